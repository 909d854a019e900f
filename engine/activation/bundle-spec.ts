// How a bundle is named on the command line or in the SDK: "name=location" or "location", where a location is a
// file, a folder, an http(s) URL or an oci:// reference; the name defaults to the location's last segment without .tar.gz.
import { basename } from 'node:path'
import { ClearanceError, ErrorCodes } from '../errors.js'
import { isOciReference, parseOciReference } from '../net/index.js'

export interface BundleSpec {
  name: string
  path: string
}

const URL_PATTERN = /^https?:\/\//i
const NAME_PATTERN = /^[A-Za-z0-9_.-]+$/

/** "name=location" or "location", where a location is a file, a folder or an http(s) URL. */
export function parseBundleSpec(spec: string): BundleSpec {
  const eq = spec.indexOf('=')
  if (eq > 0 && NAME_PATTERN.test(spec.slice(0, eq)))
    return { name: spec.slice(0, eq), path: spec.slice(eq + 1) }
  if (isOciReference(spec)) return { name: basename(parseOciReference(spec).repository), path: spec }
  const location = URL_PATTERN.test(spec) ? new URL(spec).pathname : spec
  const name = basename(location.replace(/\/+$/, '')).replace(/\.tar\.gz$|\.tgz$/, '')
  return { name, path: spec }
}

export function isUrl(location: string): boolean {
  return URL_PATTERN.test(location)
}

/** An http(s) bundle server or an oci:// registry reference: a polled source. */
export function isRemote(location: string): boolean {
  return URL_PATTERN.test(location) || isOciReference(location)
}

export function parseBundleSpecs(specs: readonly string[]): BundleSpec[] {
  const bundles = specs.map(parseBundleSpec)
  const seen = new Set<string>()
  for (const bundle of bundles) {
    if (bundle.name === '') throw invalidBundle(`"${bundle.path}" gives an empty bundle name`)
    if (seen.has(bundle.name))
      throw invalidBundle(`two bundles are named "${bundle.name}"; use name=path to tell them apart`)
    seen.add(bundle.name)
  }
  return bundles
}

function invalidBundle(message: string): ClearanceError {
  return new ClearanceError(ErrorCodes.configError, `invalid --bundle: ${message}`)
}
