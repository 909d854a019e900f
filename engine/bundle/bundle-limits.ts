// Size bounds applied to every bundle read, so a hostile or broken bundle cannot exhaust memory.
import { DEFAULTS } from '../config/defaults.js'

export interface BundleLimits {
  /** Largest compressed .tar.gz accepted. */
  maxCompressedBytes: number
  /** Largest total of all files once unpacked. */
  maxUnpackedBytes: number
  /** Largest single file once unpacked. */
  maxFileBytes: number
  /** Most files in one bundle. */
  maxFiles: number
}

export const defaultBundleLimits: BundleLimits = DEFAULTS.bundleLimits
