// OPA's ownership rule: each bundle owns the document paths under its roots, and no two bundles may own
// overlapping paths ("a" and "a/b" overlap; "a" and "ab" do not; the empty root "" owns everything).
import { ClearanceError, ErrorCodes } from '../errors.js'

/** True when `path` is `root` or lies under it. Both are slash-separated without leading slash. */
export function isUnderRoot(path: string, root: string): boolean {
  return root === '' || path === root || path.startsWith(`${root}/`)
}

export function rootsOverlap(a: string, b: string): boolean {
  return isUnderRoot(a, b) || isUnderRoot(b, a)
}

/**
 * The part of a data document under `roots` (with the parents leading there, as far as they exist): a bundle's
 * own data, taken back out of a document merged from several bundles.
 */
export function dataUnderRoots(
  document: Record<string, unknown>,
  roots: readonly string[],
): Record<string, unknown> {
  if (roots.includes('')) return document
  const picked: Record<string, unknown> = {}
  for (const root of roots) {
    let from: unknown = document
    let to = picked
    const segments = root.split('/')
    for (const [i, segment] of segments.entries()) {
      if (from === null || typeof from !== 'object' || Array.isArray(from) || !Object.hasOwn(from, segment))
        break
      from = (from as Record<string, unknown>)[segment]
      if (i === segments.length - 1) to[segment] = from
      else {
        let next = to[segment]
        if (typeof next !== 'object' || next === null) {
          next = {}
          to[segment] = next
        }
        to = next as Record<string, unknown>
      }
    }
  }
  return picked
}

export interface OwnedRoots {
  name: string
  roots: readonly string[]
}

/** Throws a bundle_error naming both bundles when two of them claim overlapping roots. */
export function assertDisjointRoots(bundles: readonly OwnedRoots[]): void {
  for (let i = 0; i < bundles.length; i++) {
    for (let j = i + 1; j < bundles.length; j++) {
      const a = bundles[i]!
      const b = bundles[j]!
      for (const rootA of a.roots) {
        for (const rootB of b.roots) {
          if (rootsOverlap(rootA, rootB)) {
            throw new ClearanceError(
              ErrorCodes.bundleError,
              `bundles "${a.name}" and "${b.name}" have overlapping roots: "${rootA}" and "${rootB}" (each document path may belong to one bundle only)`,
            )
          }
        }
      }
    }
  }
}
