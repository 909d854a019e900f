// Size bounds applied to every bundle read, so a hostile or broken bundle cannot exhaust memory. The archive
// limits are checked as bytes arrive (bounded-gunzip.ts); the data limits before any data file is parsed.
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
  /**
   * Most unpacked bytes per compressed byte, once the archive unpacks past `ratioFloorBytes` (small archives have
   * high ratios from tar padding alone). A gzip bomb is refused at this ratio, long before the unpacked limit.
   */
  maxCompressionRatio?: number
  ratioFloorBytes?: number
  /** Largest total of data files (data.json, data.yaml) in one bundle, checked before any is parsed. */
  maxDataBytes?: number
  /** Deepest nesting of a data.json, checked before it is parsed. */
  maxDataDepth?: number
}

export const defaultBundleLimits: BundleLimits = {
  ...DEFAULTS.bundleLimits,
  maxDataBytes: dataBytesFor(DEFAULTS.maxBundleMemory),
}

/**
 * The data a bundle may hold when loading and serving it may take `maxBundleMemory` bytes. Each byte of data text
 * costs about DEFAULTS.dataMemoryFactor bytes of memory at its peak (the decoded text, the parsed document, its
 * encoded and shared copies, and the document inside each evaluation thread's wasm memory), measured with
 * bench/hardening.ts.
 */
export function dataBytesFor(maxBundleMemory: number): number {
  return Math.floor(maxBundleMemory / DEFAULTS.dataMemoryFactor)
}

/** The limits with the data bound derived from a memory budget (`--max-bundle-memory`). */
export function bundleLimitsForMemory(
  maxBundleMemory: number,
  base: BundleLimits = defaultBundleLimits,
): BundleLimits {
  return { ...base, maxDataBytes: dataBytesFor(maxBundleMemory) }
}
