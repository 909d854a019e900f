// An OCI artifact reference as `--bundle` and `clearance push` take it: oci://host[:port]/repo[/more]:tag or
// oci://host[:port]/repo@sha256:<64 hex>. Names follow the distribution spec's grammar, so a typo fails at start-up
// naming the part that is wrong instead of as a 404 from the registry.
import { ClearanceError, ErrorCodes } from '../errors.js'

export interface OciReference {
  /** host or host:port, as written. */
  registry: string
  /** The repository path, e.g. "policies/authz". */
  repository: string
  /** A tag or a digest ("sha256:…"): what the manifest is fetched by. */
  reference: string
  /** True when `reference` is a digest (the content can never change). */
  pinned: boolean
}

const SCHEME = 'oci://'
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/
const DIGEST = /^sha256:[a-f0-9]{64}$/
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/

export function isOciReference(location: string): boolean {
  return location.toLowerCase().startsWith(SCHEME)
}

function invalid(location: string, why: string): ClearanceError {
  return new ClearanceError(ErrorCodes.configError, `invalid OCI reference "${location}": ${why}`)
}

export function parseOciReference(location: string): OciReference {
  if (!isOciReference(location)) throw invalid(location, 'it does not start with oci://')
  const rest = location.slice(SCHEME.length)
  const slash = rest.indexOf('/')
  if (slash <= 0) throw invalid(location, 'expected oci://host[:port]/repository:tag')
  const registry = rest.slice(0, slash)
  if (!HOST.test(registry)) throw invalid(location, `"${registry}" is not a host[:port]`)
  let path = rest.slice(slash + 1)
  let reference: string
  const at = path.indexOf('@')
  if (at >= 0) {
    reference = path.slice(at + 1)
    path = path.slice(0, at)
    if (!DIGEST.test(reference)) throw invalid(location, `"${reference}" is not a sha256:<64 hex> digest`)
  } else {
    const colon = path.lastIndexOf(':')
    if (colon < 0)
      throw invalid(location, 'a tag (repository:tag) or a digest (repository@sha256:…) is required')
    reference = path.slice(colon + 1)
    path = path.slice(0, colon)
    if (!TAG.test(reference)) throw invalid(location, `"${reference}" is not a valid tag`)
  }
  const components = path.split('/')
  if (path === '' || !components.every((component) => COMPONENT.test(component))) {
    throw invalid(location, `"${path}" is not a repository name (lower-case letters, digits, . _ - and /)`)
  }
  return { registry, repository: path, reference, pinned: DIGEST.test(reference) }
}

/** The host part without port and brackets. */
export function registryHost(reference: OciReference): string {
  const match = /^\[([^\]]+)\]|^([^:]+)/.exec(reference.registry)
  return match?.[1] ?? match?.[2] ?? reference.registry
}

/** Docker's rule: a registry on a loopback address may be reached over plain HTTP. */
export function isLoopbackRegistry(reference: OciReference): boolean {
  const host = registryHost(reference)
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

export function formatOciReference(reference: OciReference): string {
  const separator = reference.pinned ? '@' : ':'
  return `${SCHEME}${reference.registry}/${reference.repository}${separator}${reference.reference}`
}
