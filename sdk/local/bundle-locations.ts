// Where the in-process evaluator's bundles come from, as the bundle manager's source specs: a .tar.gz file, an
// unpacked bundle folder, a folder of bundles, or an http(s) URL of a bundle server, each optionally named
// ("name=location"). Named exactly as `clearance serve` names them, by the same parser.

import { type BundleSourceSpec, isUrl, parseBundleSpec } from '../../engine/index.js'

/** Turns "path", "name=path", "https://…" or "name=https://…" into a source spec; specs pass through as they are. */
export function bundleSourceSpec(bundle: string | BundleSourceSpec): BundleSourceSpec {
  if (typeof bundle !== 'string') return bundle
  const { name, path: location } = parseBundleSpec(bundle)
  if (name === '') throw new TypeError(`bundle "${bundle}" gives an empty bundle name; use name=location`)
  return isUrl(location) ? { name, url: location } : { name, path: location }
}
