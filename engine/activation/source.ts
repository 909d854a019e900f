// The shared shape of every place bundles come from (a watched path, an HTTP bundle server): a lifecycle that
// health and status read, and the sink a source hands what it read to. Sources only read bytes and report what
// happened; verification, activation and status records belong to the sink.
import type { BundleFiles } from '../bundle/index.js'
import type { ClearanceError } from '../errors.js'

export type SourceState = 'not_ready' | 'ok' | 'error'

export interface BundleSource {
  /** The spec name the source was configured under. */
  readonly name: string
  /** Loads what is there now and begins watching or polling; resolves once the first load has been tried. */
  start(): Promise<void>
  /** Stops watching or polling; a load in flight is abandoned. */
  stop(): Promise<void>
  /** not_ready until the first load activated; error while the latest attempt failed; ok otherwise. */
  status(): SourceState
}

/** A bundle a source read, ready to be verified and activated. */
export interface BundleOffer {
  name: string
  files: BundleFiles
  /** Bytes as read (the compressed size of an archive). */
  size: number
  metrics?: Record<string, number> | undefined
}

export type OfferOutcome = { ok: true; revision: string } | { ok: false; error: ClearanceError }

export interface TrackedBundle {
  /** Polled sources must keep confirming the active revision for it to count as current (see max_age). */
  confirmRequired: boolean
}

/** What sources report to. Implemented by the bundle manager. */
export interface BundleSink {
  /**
   * Claims `name` for `source` and starts tracking its status; false when another source already provides a bundle
   * of that name (the caller reports that as the bundle's failure).
   */
  claim(source: string, name: string, options: TrackedBundle): boolean
  /** Verifies, loads and activates bundles together (one swap when all pass). Never rejects. */
  offer(offers: readonly BundleOffer[]): Promise<OfferOutcome[]>
  /** A bundle could not be read or downloaded; the last good one keeps serving. */
  fail(name: string, error: unknown, info?: { httpCode?: number; metrics?: Record<string, number> }): void
  /** A bundle's file or folder is gone: `drop` deactivates it and forgets its status; `keep` leaves it serving. */
  withdraw(name: string, mode: 'keep' | 'drop'): Promise<void>
  requested(name: string): void
  requestSucceeded(name: string): void
  downloaded(name: string, size: number): void
  /** The active revision was confirmed to be the latest. */
  confirmed(name: string): void
}
