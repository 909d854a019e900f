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
import { type BundleLayout, detectLayout } from './bundle-layout.js'
import { createCooldown } from './cooldown.js'
import { type DeleteMode, DirectoryScanner, type ScanMode } from './directory-scanner.js'
import { chokidarWatch, type FileWatcher, type WatchFactory, type WatchTarget } from './file-watcher.js'
import { assertNotRegoSource } from './rego-source-folder.js'
import { createSerialQueue } from './serial-queue.js'
import type { BundleSink, BundleSource, SourceState } from './source.js'

export type { DeleteMode } from './directory-scanner.js'

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

export function createDirectorySource(options: DirectorySourceOptions): DirectorySource {
  const { name, path, clock } = options
  const watch = options.watch ?? true
  const queue = createSerialQueue()
  let watcher: FileWatcher | undefined
  let started = false
  let stopped = false
  const scanner = new DirectoryScanner({
    name,
    path,
    sink: options.sink,
    limits: options.limits,
    onDelete: options.onDelete ?? DEFAULTS.onDelete,
    onChanging: () => cooldown.trigger(),
    log: options.log,
  })

  const scan = (mode: ScanMode): Promise<void> =>
    queue.run(() => (stopped ? Promise.resolve() : scanner.scan(mode)))

  const rechecks = createRechecks(clock, () => scan('check'))

  const cooldown = createCooldown({
    delayMs: options.cooldownMs ?? DEFAULTS.reloadCooldownMs,
    clock,
    run: async () => {
      await scan('read')
      // A watcher can miss a write that lands just after a rename it reported (chokidar re-attaches its file
      // watch after a short delay): look once more when things have settled.
      rechecks.schedule(options.recheckMs ?? 250, false)
    },
  })

  return {
    name,
    get layout() {
      return scanner.layout
    },
    async start() {
      scanner.layout = await detectSourceLayout(path)
      if (scanner.layout !== 'archive') await assertNotRegoSource(path)
      if (watch) watcher = await watchBundlePath(options, scanner.layout, () => cooldown.trigger())
      await scan('read')
      started = true
      if (watch) rechecks.schedule(options.resyncMs ?? 5000, true)
    },
    async stop() {
      stopped = true
      cooldown.stop()
      rechecks.stop()
      await watcher?.close()
      await queue.idle()
    },
    status: (): SourceState => (started ? scanner.state() : 'not_ready'),
    async settled() {
      await cooldown.idle()
      await queue.idle()
    },
  }
}

/** Timed checks for what a watcher missed: one after each batch, and the periodic resync. */
function createRechecks(
  clock: Clock,
  check: () => Promise<void>,
): { schedule(delayMs: number, periodic: boolean): void; stop(): void } {
  const timers = new Set<TimerHandle>()
  let stopped = false
  const schedule = (delayMs: number, periodic: boolean): void => {
    if (stopped || delayMs <= 0) return
    const timer = clock.setTimeout(() => {
      timers.delete(timer)
      void check().finally(() => {
        if (periodic) schedule(delayMs, true)
      })
    }, delayMs)
    timers.add(timer)
  }
  return {
    schedule,
    stop() {
      stopped = true
      for (const timer of timers) clock.clearTimeout(timer)
      timers.clear()
    },
  }
}

async function detectSourceLayout(path: string): Promise<BundleLayout> {
  try {
    return await detectLayout(path)
  } catch (thrown) {
    throw new ClearanceError(
      ErrorCodes.bundleError,
      `bundle "${path}" cannot be read: ${describeThrown(thrown)}`,
      {
        cause: thrown,
      },
    )
  }
}

/** What to watch for a path of this layout. */
function watchTargetFor(layout: BundleLayout, path: string): WatchTarget {
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

/** Starts watching the path; every change it reports calls `onChange`. */
function watchBundlePath(
  options: DirectorySourceOptions,
  layout: BundleLayout,
  onChange: () => void,
): Promise<FileWatcher> {
  const { name, path, log } = options
  const factory = options.watcher ?? chokidarWatch
  return factory(watchTargetFor(layout, path), {
    onChange: (changed) => {
      log?.debug({ source: name, path: relative(path, changed).split(sep).join('/') }, 'bundle path changed')
      onChange()
    },
    onError: (error) => log?.warn({ source: name, err: error }, 'watching the bundle path failed'),
  })
}
