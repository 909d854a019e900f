// Turns a decoded Envoy CheckRequest into the input OPA's Envoy plugin gives its policies, so a policy written for
// that plugin runs here unchanged: the request in protojson form under `attributes`, plus `parsed_path`,
// `parsed_query`, `parsed_body`, `truncated_body` and `version`. The only fields the plugin's input lacks are under
// `verified`: identities Envoy vouched for (the mTLS peer, a jwt_authn payload) and the time, for the adapter policy
// in policies/clearance/gateway that maps a request onto Clearance's model.
import { ClearanceError, ErrorCodes } from '../../../errors.js'
import { assertJsonShape, isRecord, type JsonShapeLimits, parseJson } from '../../../json/index.js'
import { parseRequestTarget } from '../request-target.js'

export const EXT_AUTHZ_VERSION = { encoding: 'protojson', ext_authz: 'v3' } as const

/** Where Envoy's jwt_authn filter puts a verified token's payload (its `payload_in_metadata` name). */
const JWT_AUTHN_FILTER = 'envoy.filters.http.jwt_authn'

export interface CheckInputOptions {
  json: JsonShapeLimits
  /** Most bytes of header names and values one request may carry. */
  maxHeaderBytes: number
  /** The `payload_in_metadata` name configured on Envoy's jwt_authn filter. */
  jwtPayloadKey: string
  now(): Date
}

const invalid = (message: string): ClearanceError => new ClearanceError(ErrorCodes.invalidParameter, message)

type Json = Record<string, unknown>

const record = (value: unknown): Json => (isRecord(value) ? value : {})

/** google.protobuf.Value (as proto-loader decodes it) → its JSON value, as protojson writes it. */
function protoValue(value: unknown): unknown {
  const v = record(value)
  if ('stringValue' in v) return v.stringValue
  if ('numberValue' in v) return v.numberValue
  if ('boolValue' in v) return v.boolValue
  if ('structValue' in v) return protoStruct(v.structValue)
  if ('listValue' in v) {
    const values = record(v.listValue).values
    return Array.isArray(values) ? values.map(protoValue) : []
  }
  return null
}

/** google.protobuf.Struct → a JSON object. */
export function protoStruct(value: unknown): Json {
  const out: Json = {}
  for (const [key, field] of Object.entries(record(record(value).fields))) out[key] = protoValue(field)
  return out
}

/** google.protobuf.Timestamp → RFC 3339 in UTC, as protojson writes it. */
function protoTimestamp(value: unknown): string | undefined {
  const t = record(value)
  const seconds = Number(t.seconds ?? 0)
  const nanos = Number(t.nanos ?? 0)
  if (!Number.isFinite(seconds) || !Number.isFinite(nanos)) return undefined
  const whole = new Date(seconds * 1000).toISOString().slice(0, 19)
  if (nanos === 0) return `${whole}Z`
  const digits = String(nanos).padStart(9, '0')
  const fraction = digits.endsWith('000000')
    ? digits.slice(0, 3)
    : digits.endsWith('000')
      ? digits.slice(0, 6)
      : digits
  return `${whole}.${fraction}Z`
}

/** Metadata maps hold Structs (filter_metadata) and Anys (typed_filter_metadata, kept as their type URL). */
function protoMetadata(value: unknown): Json | undefined {
  if (!isRecord(value)) return undefined
  const out: Json = {}
  if (isRecord(value.filterMetadata)) {
    const filters: Json = {}
    for (const [name, struct] of Object.entries(value.filterMetadata)) filters[name] = protoStruct(struct)
    out.filterMetadata = filters
  }
  if (isRecord(value.typedFilterMetadata)) {
    const typed: Json = {}
    for (const [name, any] of Object.entries(value.typedFilterMetadata)) {
      typed[name] = { '@type': record(any).typeUrl }
    }
    out.typedFilterMetadata = typed
  }
  return out
}

function headerBytes(headers: Json): number {
  let total = 0
  for (const [name, value] of Object.entries(headers)) {
    total += name.length + (typeof value === 'string' ? value.length : 0)
  }
  return total
}

function parsedBody(
  http: Json,
  headers: Json,
  limits: JsonShapeLimits,
): { parsed: unknown; truncated: boolean } {
  const contentType = typeof headers['content-type'] === 'string' ? headers['content-type'] : ''
  const body =
    typeof http.body === 'string' && http.body !== ''
      ? http.body
      : typeof http.rawBody === 'string'
        ? Buffer.from(http.rawBody, 'base64').toString('utf8')
        : ''
  if (body === '') return { parsed: null, truncated: false }
  const declared = Number(headers['content-length'] ?? -1)
  if (Number.isFinite(declared) && declared > Buffer.byteLength(body))
    return { parsed: null, truncated: true }
  if (contentType.includes('application/json')) {
    const bytes = Buffer.from(body)
    try {
      assertJsonShape(bytes, limits)
      return { parsed: parseJson(body), truncated: false }
    } catch (thrown) {
      throw invalid(`request body is not acceptable JSON: ${(thrown as Error).message}`)
    }
  }
  if (contentType.includes('application/x-www-form-urlencoded')) {
    return { parsed: parseRequestTarget(`/?${body}`).query, truncated: false }
  }
  return { parsed: null, truncated: false }
}

/** Identities Envoy has already checked: the mTLS peer's principal and a jwt_authn payload. */
function verifiedFacts(attributes: Json, options: CheckInputOptions): Json {
  const verified: Json = { time: options.now().toISOString(), via: 'envoy' }
  const principal = record(attributes.source).principal
  if (typeof principal === 'string' && principal !== '') verified.client = { principal }
  const filters = record(record(attributes.metadataContext).filterMetadata)
  const payload = record(filters[JWT_AUTHN_FILTER])[options.jwtPayloadKey]
  if (isRecord(payload)) verified.user = payload
  return verified
}

/**
 * The policy input for one decoded CheckRequest. Throws invalid_parameter (which the server turns into a deny)
 * when the request has no HTTP attributes, its headers are over the limit or its path or JSON body is malformed.
 */
export function checkRequestInput(request: Json, options: CheckInputOptions): Json {
  const attributes = record(request.attributes)
  const http = record(record(attributes.request).http)
  if (typeof http.path !== 'string' || typeof http.method !== 'string') {
    throw invalid('CheckRequest has no attributes.request.http with a method and a path')
  }
  const headers = record(http.headers)
  const size = headerBytes(headers)
  if (size > options.maxHeaderBytes) {
    throw invalid(`request headers take ${size} bytes, over the limit of ${options.maxHeaderBytes}`)
  }
  const request_ = record(attributes.request)
  if (request_.time !== undefined) request_.time = protoTimestamp(request_.time)
  for (const key of ['metadataContext', 'routeMetadataContext'] as const) {
    if (attributes[key] !== undefined) attributes[key] = protoMetadata(attributes[key])
  }
  const target = parseRequestTarget(http.path)
  const { parsed, truncated } = parsedBody(http, headers, options.json)
  return {
    ...request,
    parsed_path: target.segments,
    parsed_query: target.query,
    parsed_body: parsed,
    truncated_body: truncated,
    version: EXT_AUTHZ_VERSION,
    verified: verifiedFacts(attributes, options),
  }
}
