// A remote bundle as a `--workers` worker sees it: the primary alone polls the bundle server or registry,
// activates what it downloads (so a bad bundle is refused once, before any worker sees it) and saves it to the
// bundle store; it then tells every worker, which reads the same bytes from the store and activates them. So N
// workers cost the bundle source one poller, and all of them serve the revision the primary accepted.
import type { Logger } from 'pino'
import { type BundleLimits, defaultBundleLimits, readBundleArchive } from '../bundle/index.js'
import { ClearanceError, ErrorCodes } from '../errors.js'
import type { BundleStore } from './bundle-store.js'
import type { BundleSink, BundleSource, SourceState } from './source.js'

export interface RelaySourceOptions {
  name: string
  sink: BundleSink
  store: BundleStore
  /** Calls `listener` with a bundle name each time the primary saved a new bundle; returns an unsubscribe. */
  subscribe(listener: (name: string) => void): () => void
  limits?: BundleLimits | undefined
  log?: Logger | undefined
}

export function createRelaySource(options: RelaySourceOptions): BundleSource {
  const { name, sink, store, log } = options
  const limits = options.limits ?? defaultBundleLimits
  let state: SourceState = 'not_ready'
  let activeEtag: string | undefined
  let stopped = false
  let unsubscribe: (() => void) | undefined
  let loads: Promise<unknown> = Promise.resolve()

  const load = async (): Promise<void> => {
    if (stopped) return
    const persisted = await store.load(name).catch((thrown: unknown) => {
      sink.fail(name, thrown)
      return undefined
    })
    if (persisted === undefined || persisted.etag === activeEtag) return
    let files: Awaited<ReturnType<typeof readBundleArchive>>
    try {
      files = await readBundleArchive(persisted.bytes, limits)
    } catch (thrown) {
      sink.fail(name, thrown)
      if (state !== 'not_ready') state = 'error'
      return
    }
    const [outcome] = await sink.offer([{ name, files, size: persisted.bytes.byteLength }])
    if (outcome?.ok === true) {
      activeEtag = persisted.etag
      state = 'ok'
    } else if (state !== 'not_ready') {
      state = 'error'
    }
  }

  const serialized = (): Promise<void> => {
    const run = loads.then(load)
    loads = run.catch((thrown: unknown) => log?.warn({ bundle: name, err: thrown }, 'relayed bundle failed'))
    return run
  }

  return {
    name,
    async start() {
      if (!sink.claim(name, name, { confirmRequired: false })) {
        throw new ClearanceError(ErrorCodes.configError, `two sources provide a bundle named "${name}"`)
      }
      unsubscribe = options.subscribe((saved) => {
        if (saved === name) void serialized()
      })
      await serialized()
    },
    async stop() {
      stopped = true
      unsubscribe?.()
      await loads
    },
    status: () => state,
  }
}
