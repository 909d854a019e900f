// The HTTP client's optional decision cache: least recently used, bounded in entries and in age, keyed by path and
// canonical input. A decision is only as good as the bundles that made it, so the whole cache is dropped as soon as
// an answer reports a different set of revisions than the one cached answers were made with. Until such an answer
// arrives, a cached decision may outlive its revision by at most `ttlMs`. The client also drops the cache as soon
// as a call finds the PDP unavailable, unless `staleWhileUnavailable` asks to keep serving it.
import { canonicalJson } from './canonical-json.js'
import type { Revisions } from './decision.js'

export interface DecisionCacheOptions {
  /** Most decisions kept (default 10,000). */
  maxEntries?: number | undefined
  /** Longest a decision is reused (default 5,000 ms). */
  ttlMs?: number | undefined
  /**
   * Keep answering from the cache (within `ttlMs`) while the PDP is unavailable (default false: the first call that
   * finds the PDP unreachable or timing out drops every cached decision, so no cached allow outlives a known outage).
   */
  staleWhileUnavailable?: boolean | undefined
  /** Clock in ms (tests). */
  now?: (() => number) | undefined
}

export interface DecisionCache<V> {
  key(path: string, input: unknown): string
  get(key: string): V | undefined
  /** Keeps `value`, made with `revisions`; a revision change first drops everything cached. */
  set(key: string, value: V, revisions: Revisions): void
  /** Drops everything cached when `revisions` differ from those of the cached decisions. */
  observe(revisions: Revisions): void
  clear(): void
  readonly size: number
}

interface Entry<V> {
  value: V
  expiresAt: number
}

function revisionKey(revisions: Revisions): string {
  return canonicalJson(revisions)
}

export function createDecisionCache<V>(options: DecisionCacheOptions = {}): DecisionCache<V> {
  const maxEntries = options.maxEntries ?? 10_000
  const ttlMs = options.ttlMs ?? 5_000
  const now = options.now ?? Date.now
  if (!Number.isSafeInteger(maxEntries) || maxEntries <= 0) {
    throw new RangeError(`cache.maxEntries must be a positive integer, not ${maxEntries}`)
  }
  if (!Number.isFinite(ttlMs) || ttlMs <= 0)
    throw new RangeError(`cache.ttlMs must be positive, not ${ttlMs}`)
  // A Map iterates in insertion order: re-inserting on every hit keeps the least recently used first.
  const entries = new Map<string, Entry<V>>()
  let revisions: string | undefined

  const observe = (next: Revisions): void => {
    const key = revisionKey(next)
    if (key === revisions) return
    entries.clear()
    revisions = key
  }

  return {
    key: (path, input) => `${path}\n${canonicalJson(input)}`,
    get(key) {
      const entry = entries.get(key)
      if (entry === undefined) return undefined
      entries.delete(key)
      if (entry.expiresAt <= now()) return undefined
      entries.set(key, entry)
      return entry.value
    },
    set(key, value, made) {
      observe(made)
      entries.delete(key)
      entries.set(key, { value, expiresAt: now() + ttlMs })
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string)
    },
    observe,
    clear() {
      entries.clear()
      revisions = undefined
    },
    get size() {
      return entries.size
    },
  }
}
