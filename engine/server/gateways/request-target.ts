// A request target ("/path?query") split the way OPA's Envoy plugin splits it (Go's url.Parse): the decoded path
// without its leading slashes cut at "/", and the query as a map of name → every value, in order.
import { ClearanceError, ErrorCodes } from '../../errors.js'

export interface ParsedTarget {
  /** The decoded path, e.g. "/orders/42". */
  path: string
  segments: string[]
  query: Record<string, string[]>
}

export function parseRequestTarget(target: string): ParsedTarget {
  const hash = target.indexOf('#')
  const withoutFragment = hash === -1 ? target : target.slice(0, hash)
  const mark = withoutFragment.indexOf('?')
  const rawPath = mark === -1 ? withoutFragment : withoutFragment.slice(0, mark)
  let path: string
  try {
    path = decodeURIComponent(rawPath)
  } catch {
    throw new ClearanceError(
      ErrorCodes.invalidParameter,
      `request path "${rawPath}" is not validly percent-encoded`,
    )
  }
  // no prototype: a parameter named __proto__ is a parameter like any other
  const query = Object.create(null) as Record<string, string[]>
  if (mark !== -1) {
    for (const [name, value] of new URLSearchParams(withoutFragment.slice(mark + 1))) {
      const values = query[name]
      if (values === undefined) query[name] = [value]
      else values.push(value)
    }
  }
  return { path, segments: path.replace(/^\/+/, '').split('/'), query }
}
