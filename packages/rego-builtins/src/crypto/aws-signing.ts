// providers.aws.sign_req: AWS Signature Version 4 over an http.send-style request object, as OPA's
// internal/providers/aws SignV4 computes it (host and x-amz-date always signed, x-amz-content-sha256 for s3 and
// glacier, x-amz-security-token with session credentials, payload hash or UNSIGNED-PAYLOAD).
import { createHash, createHmac } from 'node:crypto'
import { escapedPath, formatTime, goJsonMarshal, parseGoUrl, recoverInteger, UTC } from '../go/index.js'
import type { BuiltinTable } from '../host/index.js'
import { objectOperand, operandError, operandTypeError } from '../host/index.js'
import { compareStrings, isObject, type JsonObject } from '../values/index.js'

const REQUIRED_CONFIG = ['aws_access_key', 'aws_region', 'aws_secret_access_key', 'aws_service']
const IGNORED_HEADERS = new Set(['authorization', 'user-agent', 'x-amzn-trace-id'])
const ALLOWED_REQUEST_KEYS = new Set([
  'method',
  'url',
  'body',
  'enable_redirect',
  'force_json_decode',
  'force_yaml_decode',
  'headers',
  'raw_body',
  'tls_use_system_certs',
  'tls_ca_cert',
  'tls_ca_cert_file',
  'tls_ca_cert_env_variable',
  'tls_client_cert',
  'tls_client_cert_file',
  'tls_client_cert_env_variable',
  'tls_client_key',
  'tls_client_key_file',
  'tls_client_key_env_variable',
  'tls_insecure_skip_verify',
  'tls_server_name',
  'timeout',
  'cache',
  'force_cache',
  'force_cache_duration_seconds',
  'raise_error',
  'caching_mode',
  'max_retry_attempts',
  'cache_ignored_headers',
])

const str = (v: unknown): string => (typeof v === 'string' ? v : '')
const setText = (xs: string[]) => `{${xs.map((x) => JSON.stringify(x)).join(', ')}}`

function hmac(key: Buffer | string, message: string): Buffer {
  return createHmac('sha256', key).update(message, 'utf8').digest()
}

function signRequest(reqArg: unknown, configArg: unknown, timeArg: unknown): JsonObject {
  const req = objectOperand(reqArg, 1)
  const config = objectOperand(configArg, 1)
  const missing = REQUIRED_CONFIG.filter((k) => !Object.hasOwn(config, k))
  if (missing.length > 0)
    throw operandError(2, `missing required AWS config parameters(s): ${setText(missing)}`)
  const invalid = REQUIRED_CONFIG.filter((k) => typeof config[k] !== 'string')
  if (invalid.length > 0)
    throw operandError(2, `invalid values for required AWS config parameters(s): ${setText(invalid)}`)
  if (typeof timeArg !== 'number' && typeof timeArg !== 'bigint') throw operandTypeError(1, timeArg, 'number')
  if (typeof timeArg === 'number' && !Number.isInteger(timeArg)) {
    throw operandError(3, 'could not convert time_ns value into a unix timestamp')
  }
  const ns = typeof timeArg === 'bigint' ? timeArg : recoverInteger(timeArg)
  const unknownKeys = Object.keys(req)
    .filter((k) => !ALLOWED_REQUEST_KEYS.has(k))
    .sort(compareStrings)
  if (unknownKeys.length > 0) throw operandError(1, `invalid request parameters(s): ${setText(unknownKeys)}`)
  const missingReq = ['method', 'url'].filter((k) => !Object.hasOwn(req, k))
  if (missingReq.length > 0)
    throw operandError(1, `missing required request parameters(s): ${setText(missingReq)}`)
  const headers = req.headers === undefined ? {} : req.headers
  if (!isObject(headers)) throw operandTypeError(0, headers, 'object')
  const badReq = ['method', 'url'].filter((k) => typeof req[k] !== 'string')
  if (badReq.length > 0)
    throw operandError(1, `invalid values for required request parameters(s): ${setText(badReq)}`)
  const url = parseGoUrl(req.url as string)
  const method = req.method as string
  const body =
    req.raw_body !== undefined ? str(req.raw_body) : req.body !== undefined ? goJsonMarshal(req.body) : ''
  let disablePayloadSigning = false
  if (config.disable_payload_signing !== undefined) {
    if (typeof config.disable_payload_signing !== 'boolean') {
      throw operandError(2, "invalid value for 'disable_payload_signing' in AWS config")
    }
    disablePayloadSigning = config.disable_payload_signing
  }
  const service = config.aws_service as string
  const region = config.aws_region as string
  const contentSha256 = disablePayloadSigning
    ? 'UNSIGNED-PAYLOAD'
    : createHash('sha256').update(body, 'utf8').digest('hex')
  const dateNow = formatTime(ns, UTC, '20060102')
  const isoNow = formatTime(ns, UTC, '20060102T150405Z')
  const awsHeaders: Record<string, string> = { host: url.Host, 'x-amz-date': isoNow }
  if (service === 's3' || service === 'glacier') awsHeaders['x-amz-content-sha256'] = contentSha256
  const token = config.aws_session_token
  if (token !== undefined && str(token) !== '') awsHeaders['x-amz-security-token'] = str(token)
  const toSign: Record<string, string> = { ...awsHeaders }
  for (const [k, v] of Object.entries(headers)) {
    const lower = k.toLowerCase()
    if (!IGNORED_HEADERS.has(lower)) toSign[lower] = str(v)
  }
  const keys = Object.keys(toSign).sort(compareStrings)
  let canonical = `${method}\n${escapedPath(url)}\n${url.RawQuery}\n`
  for (const k of keys) canonical += `${k}:${toSign[k]}\n`
  const headerList = keys.join(';')
  canonical += `\n${headerList}\n${contentSha256}`
  const scope = `${dateNow}/${region}/${service}/aws4_request`
  const stringToSign = `AWS4-HMAC-SHA256\n${isoNow}\n${scope}\n${createHash('sha256').update(canonical, 'utf8').digest('hex')}`
  let key = hmac(`AWS4${config.aws_secret_access_key as string}`, dateNow)
  key = hmac(key, region)
  key = hmac(key, service)
  key = hmac(key, 'aws4_request')
  const signature = hmac(key, stringToSign).toString('hex')
  const signed: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) signed[k] = str(v)
  signed.Authorization = `AWS4-HMAC-SHA256 Credential=${config.aws_access_key as string}/${scope},SignedHeaders=${headerList},Signature=${signature}`
  Object.assign(signed, awsHeaders)
  return { ...req, headers: signed }
}

export function awsSigningBuiltins(): BuiltinTable {
  return { 'providers.aws.sign_req': signRequest }
}
