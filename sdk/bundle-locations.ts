// Where the in-process evaluator's bundles come from, as the bundle manager's source specs: a .tar.gz file, an
// unpacked bundle folder, a folder of bundles, or an http(s) URL of a bundle server, each optionally named
// ("name=location"); unnamed ones are named after the file or the URL's last path segment, as `clearance serve`
// names them.
import { basename } from 'node:path'
import type { BundleSourceSpec } from '../engine/sources/index.js'

const NAMED = /^([A-Za-z0-9_.-]+)=(.+)$/
const URL_LIKE = /^https?:\/\//i
const ARCHIVE_SUFFIX = /\.(tar\.gz|tgz)$/

function nameOf(location: string): string {
  const path = URL_LIKE.test(location) ? new URL(location).pathname : location
  return basename(path.replace(/\/+$/, '')).replace(ARCHIVE_SUFFIX, '')
}

/** Turns "path", "name=path", "https://…" or "name=https://…" into a source spec; specs pass through as they are. */
export function bundleSourceSpec(bundle: string | BundleSourceSpec): BundleSourceSpec {
  if (typeof bundle !== 'string') return bundle
  const named = URL_LIKE.test(bundle) ? null : NAMED.exec(bundle)
  const location = named === null ? bundle : named[2]!
  const name = named === null ? nameOf(location) : named[1]!
  if (name === '') throw new TypeError(`bundle "${bundle}" gives an empty bundle name; use name=location`)
  return URL_LIKE.test(location) ? { name, url: location } : { name, path: location }
}
