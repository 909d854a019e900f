// What operators see of each bundle, in the shape of OPA's bundle status (v1/plugins/bundle/status.go): the live
// revision, when it was downloaded, requested and activated, and why the latest attempt was refused. It also
// answers readiness (every bundle activated at least once) and staleness: with a max age, a bundle whose active
// revision has not been known to be current for longer than that makes decisions fail closed.

import type { Clock } from '../clock.js'
import { type ClearanceError, describeThrown, type ErrorDetail } from '../errors.js'

/** One bundle's status, field for field as OPA reports it (times in RFC 3339, Go's zero time for "never"). */
export interface BundleStatus {
  name: string
  active_revision?: string
  last_successful_activation: string
  type: 'snapshot'
  size?: number
  last_successful_download: string
  last_successful_request: string
  last_request: string
  code?: string
  message?: string
  errors?: ErrorDetail[]
  metrics?: Record<string, number>
  http_code?: number
}

export interface TrackOptions {
  /**
   * True for polled sources (HTTP): the active revision counts as current only as long as the source keeps
   * confirming it. False for watched sources: it is current until an update to it fails.
   */
  confirmRequired: boolean
  /** Longest a revision may stay active without being known current; undefined: no limit. */
  maxAgeMs?: number | undefined
}

export interface ActivatedInfo {
  revision: string
  /** Bytes of the bundle as read (compressed size for archives). */
  size?: number | undefined
  metrics?: Record<string, number> | undefined
}

export interface FailureInfo {
  httpCode?: number | undefined
  metrics?: Record<string, number> | undefined
}

export interface ActivationStatus {
  track(name: string, options: TrackOptions): void
  forget(name: string): void
  has(name: string): boolean
  requested(name: string): void
  requestSucceeded(name: string): void
  downloaded(name: string, size: number): void
  activated(name: string, info: ActivatedInfo): void
  failed(name: string, error: ClearanceError | unknown, info?: FailureInfo): void
  /** The source checked that the active revision is still the latest (e.g. a 304 for the active ETag). */
  confirmed(name: string): void
  isActivated(name: string): boolean
  names(): string[]
  report(): Record<string, BundleStatus>
  /** Names of the bundles past their max age. */
  stale(): string[]
  /** Why decisions must be denied because of stale bundles; undefined when none is stale. Cheap per call. */
  staleReason(): string | undefined
}

interface Entry {
  options: TrackOptions
  revision: string | undefined
  size: number | undefined
  lastActivation: number | undefined
  lastDownload: number | undefined
  lastRequest: number | undefined
  lastSuccessfulRequest: number | undefined
  error: { message: string; details: ErrorDetail[] | undefined; httpCode: number | undefined } | undefined
  metrics: Record<string, number> | undefined
  confirmedAt: number | undefined
  failingSince: number | undefined
}

const NEVER = '0001-01-01T00:00:00Z'
const time = (ms: number | undefined): string => (ms === undefined ? NEVER : new Date(ms).toISOString())

/** From when on `entry`'s active revision is no longer known to be current; undefined: it still is. */
function currentUntil(entry: Entry): number | undefined {
  if (entry.revision === undefined || entry.options.maxAgeMs === undefined) return undefined
  return entry.options.confirmRequired ? entry.confirmedAt : entry.failingSince
}

export function createActivationStatus({ clock }: { clock: Clock }): ActivationStatus {
  const entries = new Map<string, Entry>()
  let deadline: number | undefined
  let dirty = false

  const entry = (name: string): Entry => {
    let found = entries.get(name)
    if (found === undefined) {
      found = newEntry()
      entries.set(name, found)
    }
    dirty = true
    return found
  }

  return {
    track(name, options) {
      entry(name).options = options
    },
    forget(name) {
      entries.delete(name)
      dirty = true
    },
    has: (name) => entries.has(name),
    requested(name) {
      entry(name).lastRequest = clock.now()
    },
    requestSucceeded(name) {
      entry(name).lastSuccessfulRequest = clock.now()
    },
    downloaded(name, size) {
      const e = entry(name)
      e.lastDownload = clock.now()
      e.size = size
    },
    activated: (name, info) => recordActivation(entry(name), info, clock.now()),
    failed: (name, error, info = {}) => recordFailure(entry(name), error, info, clock),
    confirmed: (name) => recordConfirmation(entry(name), clock.now()),
    isActivated: (name) => entries.get(name)?.lastActivation !== undefined,
    names: () => [...entries.keys()],
    report: () => reportOf(entries),
    stale: () => staleNames(entries, clock.now()),
    staleReason() {
      // Per decision: the earliest deadline is recomputed only after a change, and names only once it passed.
      if (dirty) {
        deadline = earliestDeadline(entries)
        dirty = false
      }
      const now = clock.now()
      if (deadline === undefined || now <= deadline) return undefined
      return staleMessage(entries, staleNames(entries, now))
    },
  }
}

function newEntry(): Entry {
  return {
    options: { confirmRequired: false },
    revision: undefined,
    size: undefined,
    lastActivation: undefined,
    lastDownload: undefined,
    lastRequest: undefined,
    lastSuccessfulRequest: undefined,
    error: undefined,
    metrics: undefined,
    confirmedAt: undefined,
    failingSince: undefined,
  }
}

function recordActivation(e: Entry, info: ActivatedInfo, now: number): void {
  e.revision = info.revision
  e.lastActivation = now
  e.confirmedAt = now
  e.failingSince = undefined
  e.error = undefined
  if (info.size !== undefined) e.size = info.size
  e.metrics = info.metrics
}

function recordFailure(e: Entry, error: unknown, info: FailureInfo, clock: Clock): void {
  e.failingSince ??= clock.now()
  const details = (error as ClearanceError | undefined)?.details
  e.error = { message: describeThrown(error), details, httpCode: info.httpCode }
  if (info.metrics !== undefined) e.metrics = info.metrics
}

function recordConfirmation(e: Entry, now: number): void {
  e.confirmedAt = now
  e.failingSince = undefined
  e.error = undefined
}

/** Every bundle's status, by name in name order. */
function reportOf(entries: ReadonlyMap<string, Entry>): Record<string, BundleStatus> {
  const out: Record<string, BundleStatus> = {}
  for (const [name, e] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out[name] = bundleStatus(name, e)
  }
  return out
}

function bundleStatus(name: string, e: Entry): BundleStatus {
  const status: BundleStatus = {
    name,
    ...(e.revision === undefined ? {} : { active_revision: e.revision }),
    last_successful_activation: time(e.lastActivation),
    type: 'snapshot',
    ...(e.size === undefined ? {} : { size: e.size }),
    last_successful_download: time(e.lastDownload),
    last_successful_request: time(e.lastSuccessfulRequest),
    last_request: time(e.lastRequest),
  }
  if (e.error !== undefined) {
    status.code = 'bundle_error'
    status.message = e.error.message
    if (e.error.details !== undefined && e.error.details.length > 0) status.errors = e.error.details
    if (e.error.httpCode !== undefined) status.http_code = e.error.httpCode
  }
  if (e.metrics !== undefined) status.metrics = e.metrics
  return status
}

function staleNames(entries: ReadonlyMap<string, Entry>, now: number): string[] {
  return [...entries]
    .filter(([, e]) => {
      const since = currentUntil(e)
      return since !== undefined && now - since > e.options.maxAgeMs!
    })
    .map(([name]) => name)
    .sort()
}

/** The first moment some bundle goes stale; undefined: none can. */
function earliestDeadline(entries: ReadonlyMap<string, Entry>): number | undefined {
  let deadline: number | undefined
  for (const e of entries.values()) {
    const since = currentUntil(e)
    if (since === undefined) continue
    const at = since + e.options.maxAgeMs!
    if (deadline === undefined || at < deadline) deadline = at
  }
  return deadline
}

function staleMessage(entries: ReadonlyMap<string, Entry>, names: readonly string[]): string | undefined {
  if (names.length === 0) return undefined
  const parts = names.map((name) => {
    const e = entries.get(name)!
    const last = e.error === undefined ? '' : `; last error: ${e.error.message}`
    return `bundle "${name}" revision "${e.revision}" has not been known current since ${time(currentUntil(e))}, over its max_age of ${e.options.maxAgeMs} ms${last}`
  })
  return `stale policy, every decision is denied: ${parts.join('; ')}`
}
