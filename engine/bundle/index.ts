export { type BundleFiles, readBundleArchive, readBundleDirectory, readBundleFiles } from './bundle-files.js'
export {
  type BundleLimits,
  bundleLimitsForMemory,
  dataBytesFor,
  defaultBundleLimits,
} from './bundle-limits.js'
export {
  type Bundle,
  type DataDocument,
  loadBundle,
  type RegoSource,
  type WasmModule,
} from './load-bundle.js'
export { type Manifest, parseManifest } from './manifest.js'
export { assertDisjointRoots, isUnderRoot, rootsOverlap } from './roots.js'
export { hashBundleFile, isStructuredDoc } from './signature-hash.js'
export { SIGNATURES_FILE, verifyBundleSignatures } from './signatures.js'
export {
  type BundleVerifier,
  createBundleVerifier,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
  type VerificationConfig,
  type VerificationFlags,
  type VerificationKeyConfig,
  verificationFromFlags,
} from './verification-config.js'

import { type BundleFiles, readBundleFiles } from './bundle-files.js'
import { type BundleLimits, defaultBundleLimits } from './bundle-limits.js'
import { type Bundle, loadBundle } from './load-bundle.js'
import { verifyBundleSignatures } from './signatures.js'
import type { BundleVerifier } from './verification-config.js'

/** Reads and checks the bundle at `path` (a .tar.gz or a directory). */
export async function loadBundleFromPath(
  name: string,
  path: string,
  limits: BundleLimits = defaultBundleLimits,
): Promise<Bundle> {
  return loadBundle(name, await readBundleFiles(path, limits))
}

/** Verifies a bundle's signature against `verifier` (none: signed bundles are refused) and checks the bundle. */
export async function loadVerifiedBundle(
  name: string,
  files: BundleFiles,
  verifier: BundleVerifier | undefined,
): Promise<Bundle> {
  return loadBundle(name, await verifyBundleSignatures(name, files, verifier))
}
export { dataUnderRoots } from './roots.js'
