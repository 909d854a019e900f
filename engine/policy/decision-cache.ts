// The decision cache: answers a repeated (path, input bytes) from memory, for policy sets whose answer depends on
// nothing but the input and the set's own data. It is sound only under three rules, kept here:
// - only deterministic sets are cached: every builtin their modules leave to the host is known to depend on its
//   arguments alone (no clock, randomness, network or runtime; see isDeterministic);
// - entries belong to one policy set: the cache holds the set they came from and starts empty for another one, and
//   an answer evaluated on a set that is no longer the cache's is not stored (an activation during an evaluation);
// - only answers are stored, never failures: an evaluation that throws is not cached and throws again next time.
// It is bounded by entries and by bytes (least recently used go first).
import type { EvalOutcome } from './policy-set.js'

/**
 * Host builtins whose answer depends on more than their arguments: the clock, randomness, the network, the
 * runtime, or the current time used implicitly (JWT and certificate validity). print and trace write as they run,
 * so a cached answer would skip their output.
 */
const NON_DETERMINISTIC = new Set([
  'time.now_ns',
  'rand.intn',
  'uuid.rfc4122',
  'opa.runtime',
  'http.send',
  'net.lookup_ip_addr',
  'io.jwt.decode_verify',
  'crypto.x509.parse_and_verify_certificates',
  'crypto.x509.parse_and_verify_certificates_with_options',
  'providers.aws.sign_req',
  'trace',
  'print',
  'internal.print',
])
const NON_DETERMINISTIC_PREFIXES = ['http.', 'net.', 'rand.', 'time.now', 'opa.runtime']

/**
 * Whether a module that leaves `builtins` to the host answers the same input the same way every time. With
 * builtins other than Clearance's own (`customBuiltins`), any host builtin may read anything: only a module that
 * calls none is deterministic.
 */
export function isDeterministic(builtins: readonly string[], customBuiltins = false): boolean {
  if (customBuiltins) return builtins.length === 0
  return builtins.every(
    (name) =>
      !NON_DETERMINISTIC.has(name) && !NON_DETERMINISTIC_PREFIXES.some((prefix) => name.startsWith(prefix)),
  )
}

export interface DecisionCacheOptions {
  maxEntries: number
  /** Bound on the cached keys and answers, counted as their string lengths plus a fixed overhead per entry. */
  maxBytes: number
}

export interface DecisionCacheStats {
  hits: number
  misses: number
  entries: number
  bytes: number
}

/** What the cache needs of a policy set: whether it may be cached at all. */
export interface CacheablePolicySet {
  readonly deterministic: boolean
}

export interface DecisionCache {
  /** The cached answer of `path` for these exact input bytes on this set, or undefined (counted as a miss). */
  get(set: CacheablePolicySet, path: string, input: Uint8Array | undefined): EvalOutcome | undefined
  /** Stores an answer evaluated on `set`, unless the cache has moved on to another set since. */
  put(set: CacheablePolicySet, path: string, input: Uint8Array | undefined, outcome: EvalOutcome): void
  /** Drops every entry (an activation). */
  clear(): void
  stats(): DecisionCacheStats
}

/** Rough bytes of one entry besides its strings: the map slot, the entry object, the outcome object. */
const ENTRY_OVERHEAD = 96
/** One entry takes at most this share of the byte bound, so one huge input cannot empty the cache. */
const MAX_ENTRY_SHARE = 16

interface Entry {
  outcome: EvalOutcome
  bytes: number
}

function keyOf(path: string, input: Uint8Array | undefined): string {
  if (input === undefined) return `${path}\u0001`
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  // latin1 maps each byte to one character: the key is the exact bytes, whatever their encoding.
  return `${path}\u0000${bytes.toString('latin1')}`
}

export function createDecisionCache(options: DecisionCacheOptions): DecisionCache {
  const { maxEntries, maxBytes } = options
  const maxEntryBytes = Math.floor(maxBytes / MAX_ENTRY_SHARE)
  // Map keeps insertion order: the first key is the least recently used.
  const entries = new Map<string, Entry>()
  let owner: CacheablePolicySet | undefined
  let bytes = 0
  let hits = 0
  let misses = 0

  const clear = (): void => {
    entries.clear()
    bytes = 0
    owner = undefined
  }

  return {
    get(set, path, input) {
      if (!set.deterministic) return undefined
      if (owner !== set) {
        clear()
        owner = set
      }
      const key = keyOf(path, input)
      const entry = entries.get(key)
      if (entry === undefined) {
        misses++
        return undefined
      }
      hits++
      entries.delete(key)
      entries.set(key, entry)
      return entry.outcome
    },
    put(set, path, input, outcome) {
      if (!set.deterministic || owner !== set) return
      const key = keyOf(path, input)
      const size = key.length + (outcome.defined ? outcome.json.length : 0) + ENTRY_OVERHEAD
      if (size > maxEntryBytes || entries.has(key)) return
      entries.set(key, { outcome, bytes: size })
      bytes += size
      for (const [oldest, entry] of entries) {
        if (entries.size <= maxEntries && bytes <= maxBytes) break
        entries.delete(oldest)
        bytes -= entry.bytes
      }
    },
    clear,
    stats: () => ({ hits, misses, entries: entries.size, bytes }),
  }
}
