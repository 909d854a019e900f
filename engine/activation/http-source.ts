// A bundle polled from an HTTP(S) bundle server in OPA's protocol: GET with If-None-Match set to the ETag of the
// active bundle, 304 meaning "still current", 200 bringing a new bundle; polls spaced by OPA's jittered
// min/max delay, failures retried with backoff. The last bundle that activated is persisted (when a store is
// given) and loaded first on start, so a restart serves without the server. Any failed download or activation
// forgets the ETag it came with, so the next poll fetches again rather than being told "not modified".
import { createHash } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { Logger } from 'pino'
import { type BundleLimits, defaultBundleLimits, readBundleArchive } from '../bundle/index.js'
import type { Clock, TimerHandle } from '../clock.js'
import { ClearanceError, ErrorCodes } from '../errors.js'
import {
  type BundleFetcher,
  createBundleFetcher,
  defaultPolling,
  type FetchOptions,
  type PollingConfig,
  pollDelay,
} from '../net/index.js'
import type { BundleStore } from './bundle-store.js'
import type { BundleSink, BundleSource, SourceState } from './source.js'

export interface HttpSourceOptions extends FetchOptions {
  /** The bundle's name. */
  name: string
  url: string
  sink: BundleSink
  clock: Clock
  polling?: PollingConfig | undefined
  limits?: BundleLimits | undefined
  /** Where the last good bundle is kept; none: nothing is persisted. */
  store?: BundleStore | undefined
  /** Replaces the node:http fetcher (tests). */
  fetcher?: BundleFetcher | undefined
  random?: (() => number) | undefined
  log?: Logger | undefined
}

export interface HttpSource extends BundleSource {
  /** Polls now, outside the schedule; resolves true when the poll succeeded. */
  pollNow(): Promise<boolean>
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

export function createHttpSource(options: HttpSourceOptions): HttpSource {
  const { name, url, sink, clock, log } = options
  const limits = options.limits ?? defaultBundleLimits
  const polling = options.polling ?? defaultPolling
  const fetcher =
    options.fetcher ??
    createBundleFetcher({
      credentials: options.credentials,
      timeoutMs: options.timeoutMs,
      maxBytes: Math.min(options.maxBytes ?? limits.maxCompressedBytes, limits.maxCompressedBytes),
    })
  let state: SourceState = 'not_ready'
  let activeEtag = ''
  let activeDigest: string | undefined
  let failures = 0
  let timer: TimerHandle | undefined
  let stopped = false
  let inflight: AbortController | undefined
  let polls: Promise<unknown> = Promise.resolve()

  const failed = (error: unknown, info?: { httpCode?: number; metrics?: Record<string, number> }): false => {
    if (!stopped) {
      sink.fail(name, error, info)
      if (state !== 'not_ready') state = 'error'
    }
    return false
  }

  const activate = async (
    bytes: Uint8Array,
    etag: string,
    metrics: Record<string, number>,
  ): Promise<boolean> => {
    let files: Awaited<ReturnType<typeof readBundleArchive>>
    try {
      files = await readBundleArchive(bytes, limits)
    } catch (thrown) {
      return failed(thrown, { metrics })
    }
    const [outcome] = await sink.offer([{ name, files, size: bytes.byteLength, metrics }])
    if (outcome === undefined || !outcome.ok) {
      if (state !== 'not_ready') state = 'error'
      return false
    }
    activeEtag = etag
    activeDigest = sha256(bytes)
    state = 'ok'
    return true
  }

  const poll = async (): Promise<boolean> => {
    if (stopped) return false
    sink.requested(name)
    const headers: Record<string, string> = {
      accept: 'application/gzip, application/octet-stream, application/vnd.openpolicyagent.bundles',
      prefer: 'modes=snapshot',
    }
    if (activeEtag !== '') headers['if-none-match'] = activeEtag
    inflight = new AbortController()
    const started = process.hrtime.bigint()
    let response: Awaited<ReturnType<BundleFetcher['get']>>
    try {
      response = await fetcher.get(url, headers, inflight.signal)
    } catch (thrown) {
      return failed(thrown)
    } finally {
      inflight = undefined
    }
    if (stopped) return false
    const metrics = { timer_bundle_request_ns: Number(process.hrtime.bigint() - started) }
    if (response.status === 304 && activeDigest !== undefined) {
      sink.requestSucceeded(name)
      sink.confirmed(name)
      state = 'ok'
      return true
    }
    if (response.status !== 200) {
      const text = STATUS_CODES[response.status] ?? String(response.status)
      return failed(new ClearanceError(ErrorCodes.bundleError, `server replied with ${text}`), {
        httpCode: response.status,
        metrics,
      })
    }
    sink.requestSucceeded(name)
    sink.downloaded(name, response.body.byteLength)
    const etagHeader = response.headers.etag
    const etag = typeof etagHeader === 'string' ? etagHeader : ''
    if (activeDigest !== undefined && sha256(response.body) === activeDigest) {
      // The same bytes again (a server without ETags): nothing to activate, but the revision is confirmed.
      activeEtag = etag
      sink.confirmed(name)
      state = 'ok'
      return true
    }
    if (!(await activate(response.body, etag, metrics))) return false
    try {
      await options.store?.save(name, response.body, etag)
    } catch (thrown) {
      log?.warn({ bundle: name, err: thrown }, 'could not persist the bundle')
    }
    return true
  }

  const serialized = (): Promise<boolean> => {
    const run = polls.then(poll)
    polls = run.catch(() => undefined)
    return run
  }

  const schedule = (): void => {
    if (stopped) return
    const delay = pollDelay(polling, failures, options.random)
    timer = clock.setTimeout(() => {
      timer = undefined
      void serialized().then((ok) => {
        failures = ok ? 0 : failures + 1
        schedule()
      })
    }, delay)
  }

  const loadPersisted = async (): Promise<void> => {
    const persisted = await options.store?.load(name).catch((thrown: unknown) => {
      log?.warn({ bundle: name, err: thrown }, 'could not read the persisted bundle')
      return undefined
    })
    if (persisted === undefined) return
    if (await activate(persisted.bytes, persisted.etag, {})) {
      log?.info({ bundle: name }, 'activated the persisted bundle')
    }
  }

  return {
    name,
    async start() {
      if (!sink.claim(name, name, { confirmRequired: true })) {
        throw new ClearanceError(ErrorCodes.configError, `two sources provide a bundle named "${name}"`)
      }
      await loadPersisted()
      const ok = await serialized()
      failures = ok ? 0 : 1
      schedule()
    },
    async stop() {
      stopped = true
      if (timer !== undefined) clock.clearTimeout(timer)
      timer = undefined
      inflight?.abort(new Error('source stopped'))
      await polls
      fetcher.close()
    },
    status: () => state,
    pollNow: serialized,
  }
}
