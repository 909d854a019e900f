// The fixed sample the CI test runs: the `size` case keys with the smallest SHA-1, so the choice spreads over
// all case files, never changes between runs, and only moves when OPA's cases change.
import { createHash } from 'node:crypto'

export function sampleKeys(keys: readonly string[], size: number): string[] {
  return keys
    .map((key) => ({ key, rank: createHash('sha1').update(key).digest('hex') }))
    .sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0))
    .slice(0, size)
    .map((x) => x.key)
}
