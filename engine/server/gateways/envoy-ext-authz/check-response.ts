// A decision value → Envoy's CheckResponse, read the way OPA's Envoy plugin reads it: `true`/`false`, or an object
// with `allowed` and optionally `headers`, `request_headers_to_remove`, `response_headers_to_add`,
// `query_parameters_to_set`, `query_parameters_to_remove`, `body`, `http_status` and `dynamic_metadata`. Anything
// else is a coded error the server answers with a deny. The decision id always goes into dynamic metadata.
import { ClearanceError, ErrorCodes } from '../../../errors.js'
import { isRecord } from '../../../json/index.js'

/** google.rpc.Code values Envoy reads from CheckResponse.status. */
export const RPC_OK = 0
export const RPC_PERMISSION_DENIED = 7

type Json = Record<string, unknown>

interface HeaderValueOption {
  header: { key: string; value: string }
}

export interface CheckResponseMessage {
  status: { code: number; message?: string }
  okResponse?: Json
  deniedResponse?: { status: { code: number }; headers?: HeaderValueOption[]; body?: string }
  dynamicMetadata?: Json
}

const bad = (message: string): ClearanceError =>
  new ClearanceError(ErrorCodes.evaluationError, `ext_authz decision: ${message}; denying`)

/** JSON → google.protobuf.Value in proto-loader's object form. */
function protoValue(value: unknown): Json {
  if (value === null || value === undefined) return { nullValue: 'NULL_VALUE' }
  if (typeof value === 'string') return { stringValue: value }
  if (typeof value === 'boolean') return { boolValue: value }
  if (typeof value === 'number' || typeof value === 'bigint') return { numberValue: Number(value) }
  if (Array.isArray(value)) return { listValue: { values: value.map(protoValue) } }
  return { structValue: protoStruct(value as Json) }
}

/** JSON object → google.protobuf.Struct in proto-loader's object form. */
export function protoStruct(object: Json): Json {
  const fields: Json = {}
  for (const [key, value] of Object.entries(object)) fields[key] = protoValue(value)
  return { fields }
}

export function isAllowed(decision: unknown): boolean {
  if (typeof decision === 'boolean') return decision
  if (!isRecord(decision)) return failWith(`expected a boolean or an object, got ${typeName(decision)}`)
  if (!('allowed' in decision)) return failWith('the object has no "allowed" key')
  if (typeof decision.allowed !== 'boolean') {
    return failWith(`expected "allowed" to be a boolean, got ${typeName(decision.allowed)}`)
  }
  return decision.allowed
}

function failWith(message: string): never {
  throw bad(message)
}

const typeName = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value

function headerMap(headers: Json, field: string, out: HeaderValueOption[]): void {
  for (const [key, value] of Object.entries(headers)) {
    if (typeof value === 'string') out.push({ header: { key, value } })
    else if (Array.isArray(value)) {
      for (const item of value) {
        if (typeof item !== 'string') failWith(`${field}: header "${key}" has a ${typeName(item)} value`)
        out.push({ header: { key, value: item } })
      }
    } else failWith(`${field}: header "${key}" has a ${typeName(value)} value`)
  }
}

/** `headers` and `response_headers_to_add`: an object of name → string | [string], or a list of such objects. */
function headerOptions(decision: Json, field: string): HeaderValueOption[] | undefined {
  const value = decision[field]
  if (value === undefined) return undefined
  const out: HeaderValueOption[] = []
  if (Array.isArray(value)) {
    for (const item of value) {
      if (!isRecord(item)) failWith(`${field} must hold objects, got ${typeName(item)}`)
      headerMap(item, field, out)
    }
  } else if (isRecord(value)) headerMap(value, field, out)
  else failWith(`${field} must be an object, got ${typeName(value)}`)
  return out
}

function strings(decision: Json, field: string): string[] | undefined {
  const value = decision[field]
  if (value === undefined) return undefined
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    failWith(`${field} must be a list of strings`)
  }
  return value as string[]
}

function queryParameters(decision: Json): { key: string; value: string }[] | undefined {
  const value = decision.query_parameters_to_set
  if (value === undefined) return undefined
  if (!isRecord(value)) failWith('query_parameters_to_set must be an object')
  const out: { key: string; value: string }[] = []
  for (const [key, item] of Object.entries(value)) {
    const values = Array.isArray(item) ? item : [item]
    for (const one of values) {
      if (typeof one !== 'string') failWith(`query_parameters_to_set: "${key}" has a ${typeName(one)} value`)
      out.push({ key, value: one })
    }
  }
  return out
}

function httpStatus(decision: Json, validCodes: ReadonlySet<number>): number {
  const value = decision.http_status
  if (value === undefined) return 403
  const code = typeof value === 'bigint' ? Number(value) : value
  if (typeof code !== 'number' || !Number.isInteger(code) || !validCodes.has(code)) {
    failWith(`http_status ${String(value)} is not an HTTP status Envoy knows`)
  }
  return code
}

function dynamicMetadata(decision: unknown, decisionId: string): Json {
  const extra = isRecord(decision) ? decision.dynamic_metadata : undefined
  if (extra !== undefined && !isRecord(extra)) failWith('dynamic_metadata must be an object')
  return protoStruct({ ...(extra ?? {}), decision_id: decisionId })
}

/** The CheckResponse for a decision value; throws evaluation_error when the value has the wrong shape. */
export function checkResponse(
  decision: unknown,
  decisionId: string,
  validHttpCodes: ReadonlySet<number>,
): CheckResponseMessage {
  const allowed = isAllowed(decision)
  const object: Json = isRecord(decision) ? decision : {}
  const metadata = dynamicMetadata(decision, decisionId)
  if (allowed) {
    const ok: Json = {}
    const headers = headerOptions(object, 'headers')
    if (headers !== undefined) ok.headers = headers
    const toRemove = strings(object, 'request_headers_to_remove')
    if (toRemove !== undefined) ok.headersToRemove = toRemove
    const responseHeaders = headerOptions(object, 'response_headers_to_add')
    if (responseHeaders !== undefined) ok.responseHeadersToAdd = responseHeaders
    const querySet = queryParameters(object)
    if (querySet !== undefined) ok.queryParametersToSet = querySet
    const queryRemove = strings(object, 'query_parameters_to_remove')
    if (queryRemove !== undefined) ok.queryParametersToRemove = queryRemove
    return { status: { code: RPC_OK }, okResponse: ok, dynamicMetadata: metadata }
  }
  const denied: NonNullable<CheckResponseMessage['deniedResponse']> = {
    status: { code: httpStatus(object, validHttpCodes) },
  }
  const headers = headerOptions(object, 'headers')
  if (headers !== undefined) denied.headers = headers
  if (object.body !== undefined) {
    if (typeof object.body !== 'string') failWith(`body must be a string, got ${typeName(object.body)}`)
    denied.body = object.body
  }
  return { status: { code: RPC_PERMISSION_DENIED }, deniedResponse: denied, dynamicMetadata: metadata }
}

/** The answer when no decision could be made: a plain 403, the reason in the gRPC status message only. */
export function failClosedResponse(message: string, decisionId: string | undefined): CheckResponseMessage {
  return {
    status: { code: RPC_PERMISSION_DENIED, message },
    deniedResponse: { status: { code: 403 } },
    ...(decisionId === undefined ? {} : { dynamicMetadata: protoStruct({ decision_id: decisionId }) }),
  }
}
