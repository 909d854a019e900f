// uri.parse / uri.is_valid with Go's net/url.Parse (go-url.ts), reporting the parts OPA reports.
import { parseGoUrl, splitHostPort } from '../go/index.js'
import type { BuiltinTable } from '../host/index.js'
import { stringOperand } from '../host/index.js'

function uriParse(value: unknown): Record<string, string> {
  const u = parseGoUrl(stringOperand(value, 1))
  const out: Record<string, string> = {}
  if (u.Scheme !== '') out.scheme = u.Scheme
  const [hostname, port] = splitHostPort(u.Host)
  if (hostname !== '') out.hostname = hostname
  if (port !== '') out.port = port
  if (u.Path !== '') {
    out.path = u.Path
    out.raw_path = u.RawPath === '' ? u.Path : u.RawPath
  }
  if (u.RawQuery !== '') out.raw_query = u.RawQuery
  if (u.Fragment !== '') out.fragment = u.Fragment
  return out
}

function uriIsValid(value: unknown): boolean {
  if (typeof value !== 'string' || value === '') return false
  try {
    parseGoUrl(value)
    return true
  } catch {
    return false
  }
}

export function uriBuiltins(): BuiltinTable {
  return { 'uri.parse': uriParse, 'uri.is_valid': uriIsValid }
}
