export { type BundleFiles, readBundleArchive, readBundleDirectory, readBundleFiles } from './bundle-files.js'
export { type BundleLimits, defaultBundleLimits } from './bundle-limits.js'
export { type Bundle, type DataDocument, loadBundle, type WasmModule } from './load-bundle.js'
export { type Manifest, parseManifest } from './manifest.js'
export { assertDisjointRoots, isUnderRoot, rootsOverlap } from './roots.js'

import { readBundleFiles } from './bundle-files.js'
import { type BundleLimits, defaultBundleLimits } from './bundle-limits.js'
import { type Bundle, loadBundle } from './load-bundle.js'

/** Reads and checks the bundle at `path` (a .tar.gz or a directory). */
export async function loadBundleFromPath(
  name: string,
  path: string,
  limits: BundleLimits = defaultBundleLimits,
): Promise<Bundle> {
  return loadBundle(name, await readBundleFiles(path, limits))
}
