// What a directory source knows about the bundles of its path, and the scan that brings the active bundles in
// line with it: claim the entries found, read those that changed, withdraw those that disappeared, offer the
// changed ones together and record what activated.
import type { Logger } from 'pino'
import type { BundleLimits } from '../bundle/index.js'
import { type BundleEntry, type BundleLayout, detectLayout, listBundleEntries } from './bundle-layout.js'
import { fingerprintPath, readLocalBundle } from './local-bundle.js'
import type { BundleOffer, BundleSink, OfferOutcome, SourceState } from './source.js'

export type DeleteMode = 'keep' | 'drop'

/** `read` (after events) reads every bundle; `check` reads only those whose fingerprint changed. */
export type ScanMode = 'read' | 'check'

export interface DirectoryScannerOptions {
  /** The spec name; also the bundle name when the path is a single bundle. */
  name: string
  path: string
  sink: BundleSink
  limits: BundleLimits | undefined
  onDelete: DeleteMode
  /** A bundle was caught mid-write: scan again once the writes have settled. */
  onChanging: () => void
  log: Logger | undefined
}

interface Known {
  path: string
  /** Digest of the bytes now active; a read with the same digest is not offered again. */
  activeDigest: string | undefined
  /** File-system fingerprint at the last read; GONE once removed and kept. */
  fingerprint: string | undefined
  failed: boolean
}

interface ChangedBundle {
  offer: BundleOffer
  digest: string
}

const GONE = '(gone)'

export class DirectoryScanner {
  /** Set once the source has detected it, before the first scan. */
  layout: BundleLayout | undefined
  private readonly known = new Map<string, Known>()
  private failing = false

  constructor(private readonly options: DirectoryScannerOptions) {}

  /** not_ready until some bundle activated; error while a bundle failed or two entries conflict. */
  state(): SourceState {
    if (![...this.known.values()].some((record) => record.activeDigest !== undefined)) return 'not_ready'
    return this.failing ? 'error' : 'ok'
  }

  /**
   * Brings the active bundles in line with the path. Either mode offers a bundle only when its bytes differ from
   * the active ones.
   */
  async scan(mode: ScanMode): Promise<void> {
    const { claimed, conflicts } = this.claimEntries(await this.desiredEntries())
    const changed = await this.readChangedBundles(claimed, mode)
    await this.withdrawMissing(claimed)
    const outcomes = await this.options.sink.offer(changed.map((bundle) => bundle.offer))
    this.applyOutcomes(changed, outcomes)
    this.failing = conflicts || [...this.known.values()].some((record) => record.failed)
  }

  private async desiredEntries(): Promise<BundleEntry[]> {
    const { name, path } = this.options
    if (this.layout === 'folder-of-bundles') return listBundleEntries(path)
    const exists = await detectLayout(path).then(
      () => true,
      () => false,
    )
    return exists ? [{ name, path }] : []
  }

  /**
   * Claims each entry's bundle name with the sink the first time it is seen, skipping (and reporting) names given
   * twice or provided by another source. Returns the records of the entries kept, by bundle name.
   */
  private claimEntries(entries: readonly BundleEntry[]): { claimed: Map<string, Known>; conflicts: boolean } {
    const { name, sink, log } = this.options
    const claimed = new Map<string, Known>()
    const seen = new Set<string>()
    let conflicts = false
    for (const entry of entries) {
      if (seen.has(entry.name)) {
        log?.error(
          { bundle: entry.name, path: entry.path },
          'two entries give the same bundle name; ignoring this one',
        )
        conflicts = true
        continue
      }
      seen.add(entry.name)
      let record = this.known.get(entry.name)
      if (record === undefined) {
        if (!sink.claim(name, entry.name, { confirmRequired: false })) {
          log?.error(
            { bundle: entry.name, source: name },
            'another source already provides a bundle of this name',
          )
          conflicts = true
          continue
        }
        record = { path: entry.path, activeDigest: undefined, fingerprint: undefined, failed: false }
        this.known.set(entry.name, record)
      }
      record.path = entry.path
      claimed.set(entry.name, record)
    }
    return { claimed, conflicts }
  }

  private async readChangedBundles(claimed: Map<string, Known>, mode: ScanMode): Promise<ChangedBundle[]> {
    const changed: ChangedBundle[] = []
    for (const [bundle, record] of claimed) {
      const read = await this.readIfChanged(bundle, record, mode)
      if (read !== undefined) changed.push(read)
    }
    return changed
  }

  /** Reads one bundle unless its fingerprint (in `check` mode) or its digest says it has not changed. */
  private async readIfChanged(
    bundle: string,
    record: Known,
    mode: ScanMode,
  ): Promise<ChangedBundle | undefined> {
    const { path, limits, sink, onChanging } = this.options
    const fingerprint = await fingerprintPath(record.path)
    if (mode === 'check' && fingerprint !== undefined && fingerprint === record.fingerprint) return undefined
    try {
      const read = await readLocalBundle(record.path, {
        limits,
        within: this.layout === 'folder-of-bundles' ? path : undefined,
      })
      if (read.changing) {
        onChanging()
        return undefined
      }
      record.fingerprint = fingerprint
      if (read.digest === record.activeDigest) {
        // The active bundle is back (a refused one was replaced by it): its refusal no longer describes it.
        if (record.failed) sink.confirmed(bundle)
        record.failed = false
        return undefined
      }
      return { offer: { name: bundle, files: read.files, size: read.size }, digest: read.digest }
    } catch (thrown) {
      record.fingerprint = fingerprint
      record.failed = true
      sink.fail(bundle, thrown)
      return undefined
    }
  }

  /** Withdraws the known bundles no entry gives any more: dropped and forgotten, or kept and marked gone. */
  private async withdrawMissing(claimed: Map<string, Known>): Promise<void> {
    const { sink, onDelete, log } = this.options
    for (const [bundle, record] of this.known) {
      if (claimed.has(bundle) || record.fingerprint === GONE) continue
      log?.info({ bundle, path: record.path, mode: onDelete }, 'bundle removed from the watched path')
      await sink.withdraw(bundle, onDelete)
      if (onDelete === 'drop') this.known.delete(bundle)
      else record.fingerprint = GONE
    }
  }

  private applyOutcomes(changed: readonly ChangedBundle[], outcomes: readonly OfferOutcome[]): void {
    outcomes.forEach((outcome, index) => {
      const bundle = changed[index]!
      const record = this.known.get(bundle.offer.name)
      if (record === undefined) return
      record.failed = !outcome.ok
      if (outcome.ok) record.activeDigest = bundle.digest
    })
  }
}
