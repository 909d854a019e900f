// Bundles from a local path, kept live: a .tar.gz file, an unpacked bundle folder, or a folder of bundles (the
// rule is in bundle-layout.ts). The path is watched; events are batched behind a cool-down, then every bundle of
// the path is read again and those whose bytes changed are offered together. An atomic rename and an in-place
// rewrite look the same here: a changed file. Watchers can miss events (chokidar drops a write that lands just
// after a rename it reported), so a quiet re-check follows each batch and a periodic resync compares cheap
// file-system fingerprints, reading only what changed. A bundle whose file or folder disappears is dropped
// (deactivated) or kept serving, as configured.
import { basename, dirname, relative, sep } from 'node:path'
import type { Logger } from 'pino'
import type { BundleLimits } from '../bundle/index.js'
import type { Clock, TimerHandle } from '../clock.js'
import { DEFAULTS } from '../config/defaults.js'
import { ClearanceError, describeThrown, ErrorCodes } from '../errors.js'
import { type BundleEntry, type BundleLayout, detectLayout, listBundleEntries } from './bundle-layout.js'
import { createCooldown } from './cooldown.js'
import { chokidarWatch, type FileWatcher, type WatchFactory, type WatchTarget } from './file-watcher.js'
import { fingerprintPath, readLocalBundle } from './local-bundle.js'
import type { BundleOffer, BundleSink, BundleSource, SourceState } from './source.js'

export type DeleteMode = 'keep' | 'drop'

export interface DirectorySourceOptions {
  /** The spec name; also the bundle name when the path is a single bundle. */
  name: string
  path: string
  sink: BundleSink
  clock: Clock
  limits?: BundleLimits | undefined
  /** Quiet time after the last event before reading (default 100 ms). */
  cooldownMs?: number | undefined
  /** What a removed bundle file does: `drop` deactivates it (default), `keep` leaves the last one serving. */
  onDelete?: DeleteMode | undefined
  /** Watch for changes (default true); false loads once. */
  watch?: boolean | undefined
  /** A quiet re-check this long after each batch, for writes a watcher missed (default 250 ms; 0: none). */
  recheckMs?: number | undefined
  /** A periodic check of file-system fingerprints, reading only what changed (default 5 s; 0: none). */
  resyncMs?: number | undefined
  watcher?: WatchFactory | undefined
  log?: Logger | undefined
}

export interface DirectorySource extends BundleSource {
  readonly layout: BundleLayout | undefined
  /** Resolves once queued events have been handled (for tests and benchmarks). */
  settled(): Promise<void>
}

interface Known {
  path: string
  /** Digest of the bytes now active; a read with the same digest is not offered again. */
  activeDigest: string | undefined
  /** File-system fingerprint at the last read; GONE once removed and kept. */
  fingerprint: string | undefined
  failed: boolean
}

const GONE = '(gone)'

export function createDirectorySource(options: DirectorySourceOptions): DirectorySource {
  const { name, path, sink, clock, limits, log } = options
  const onDelete = options.onDelete ?? DEFAULTS.onDelete
  const known = new Map<string, Known>()
  let layout: BundleLayout | undefined
  let watcher: FileWatcher | undefined
  let started = false
  let stopped = false
  let failing = false
  let chain: Promise<void> = Promise.resolve()
  const timers = new Set<TimerHandle>()

  const exclusive = (work: () => Promise<void>): Promise<void> => {
    const run = chain.then(work)
    chain = run.catch(() => undefined)
    return run
  }

  const desired = async (): Promise<BundleEntry[]> => {
    if (layout === 'folder-of-bundles') return listBundleEntries(path)
    const exists = await detectLayout(path).then(
      () => true,
      () => false,
    )
    return exists ? [{ name, path }] : []
  }

  /**
   * Brings the active bundles in line with the path. `read` (after events) reads every bundle; `check` (the
   * trailing re-check and the periodic resync) reads only those whose file-system fingerprint changed since they
   * were last read. Either way a bundle is offered only when its bytes differ from the active ones.
   */
  const scan = async (mode: 'read' | 'check'): Promise<void> => {
    if (stopped) return
    const entries = await desired()
    const offers: BundleOffer[] = []
    const reads = new Map<string, { digest: string; fingerprint: string | undefined }>()
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
      if (!known.has(entry.name)) {
        if (!sink.claim(name, entry.name, { confirmRequired: false })) {
          log?.error(
            { bundle: entry.name, source: name },
            'another source already provides a bundle of this name',
          )
          conflicts = true
          continue
        }
        known.set(entry.name, {
          path: entry.path,
          activeDigest: undefined,
          fingerprint: undefined,
          failed: false,
        })
      }
      const record = known.get(entry.name)!
      record.path = entry.path
      const fingerprint = await fingerprintPath(entry.path)
      if (mode === 'check' && fingerprint !== undefined && fingerprint === record.fingerprint) continue
      try {
        const read = await readLocalBundle(entry.path, {
          limits,
          within: layout === 'folder-of-bundles' ? path : undefined,
        })
        if (read.changing) {
          cooldown.trigger()
          continue
        }
        record.fingerprint = fingerprint
        if (read.digest === record.activeDigest) {
          // The active bundle is back (a refused one was replaced by it): its refusal no longer describes it.
          if (record.failed) sink.confirmed(entry.name)
          record.failed = false
          continue
        }
        reads.set(entry.name, { digest: read.digest, fingerprint })
        offers.push({ name: entry.name, files: read.files, size: read.size })
      } catch (thrown) {
        record.fingerprint = fingerprint
        record.failed = true
        sink.fail(entry.name, thrown)
      }
    }
    for (const [bundle, record] of known) {
      if (seen.has(bundle) || record.fingerprint === GONE) continue
      log?.info({ bundle, path: record.path, mode: onDelete }, 'bundle removed from the watched path')
      await sink.withdraw(bundle, onDelete)
      if (onDelete === 'drop') known.delete(bundle)
      else record.fingerprint = GONE
    }
    const outcomes = await sink.offer(offers)
    outcomes.forEach((outcome, index) => {
      const record = known.get(offers[index]!.name)
      if (record === undefined) return
      record.failed = !outcome.ok
      if (outcome.ok) record.activeDigest = reads.get(offers[index]!.name)?.digest
    })
    failing = conflicts || [...known.values()].some((record) => record.failed)
  }

  const recheck = (delayMs: number, periodic: boolean): void => {
    if (stopped || delayMs <= 0) return
    const timer = clock.setTimeout(() => {
      timers.delete(timer)
      void exclusive(() => scan('check')).finally(() => {
        if (periodic) recheck(delayMs, true)
      })
    }, delayMs)
    timers.add(timer)
  }

  const cooldown = createCooldown({
    delayMs: options.cooldownMs ?? DEFAULTS.reloadCooldownMs,
    clock,
    run: async () => {
      await exclusive(() => scan('read'))
      // A watcher can miss a write that lands just after a rename it reported (chokidar re-attaches its file
      // watch after a short delay): look once more when things have settled.
      recheck(options.recheckMs ?? 250, false)
    },
  })

  const watchTarget = (): WatchTarget => {
    if (layout === 'archive') {
      // The parent folder, so an atomic rename onto the file is seen; only the file (and ..data-style links).
      const file = basename(path)
      return {
        path: dirname(path),
        recursive: false,
        include: (changed) => {
          const base = basename(changed)
          return base === file || base.startsWith('..')
        },
      }
    }
    return { path, recursive: true }
  }

  return {
    name,
    get layout() {
      return layout
    },
    async start() {
      try {
        layout = await detectLayout(path)
      } catch (thrown) {
        throw new ClearanceError(
          ErrorCodes.bundleError,
          `bundle "${path}" cannot be read: ${describeThrown(thrown)}`,
          { cause: thrown },
        )
      }
      if (options.watch ?? true) {
        const factory = options.watcher ?? chokidarWatch
        watcher = await factory(watchTarget(), {
          onChange: (changed) => {
            log?.debug(
              { source: name, path: relative(path, changed).split(sep).join('/') },
              'bundle path changed',
            )
            cooldown.trigger()
          },
          onError: (error) => log?.warn({ source: name, err: error }, 'watching the bundle path failed'),
        })
      }
      await exclusive(() => scan('read'))
      started = true
      if (options.watch ?? true) recheck(options.resyncMs ?? 5000, true)
    },
    async stop() {
      stopped = true
      cooldown.stop()
      for (const timer of timers) clock.clearTimeout(timer)
      timers.clear()
      await watcher?.close()
      await chain
    },
    status(): SourceState {
      if (!started || ![...known.values()].some((record) => record.activeDigest !== undefined)) {
        return 'not_ready'
      }
      return failing ? 'error' : 'ok'
    },
    async settled() {
      await cooldown.idle()
      await chain
    },
  }
}
