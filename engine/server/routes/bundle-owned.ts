// OPA's refusal of a write when bundles own the store: 400 invalid_parameter, `all paths owned by bundle "<name>"`.
// Every policy and document Clearance serves comes from bundles, so every write to /v1/data and /v1/policies
// gets it.
import { ClearanceError, ErrorCodes } from '../../errors.js'
import type { RouteDeps } from './route-deps.js'

export function bundleOwnedError(deps: RouteDeps): ClearanceError {
  let names: string[] = []
  try {
    names = deps.decider.policies().bundles.map((bundle) => bundle.name)
  } catch {
    // no bundle active yet: still refused, without a name
  }
  const owner =
    names.length === 1
      ? `bundle "${names[0]}"`
      : names.length === 0
        ? 'bundles'
        : `bundles ${names.map((name) => `"${name}"`).join(', ')}`
  return new ClearanceError(ErrorCodes.invalidParameter, `all paths owned by ${owner}`)
}
