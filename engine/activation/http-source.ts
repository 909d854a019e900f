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
  type FetchResponse,
  type PollingConfig,
  pollDelay,
} from '../net/index.js'
import type { BundleStore } from './bundle-store.js'
import { createSerialQueue } from './serial-queue.js'
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

type FailureInfo = { httpCode?: number; metrics?: Record<string, number> }

export function createHttpSource(options: HttpSourceOptions): HttpSource {
  const { name, sink, clock } = options
  const limits = options.limits ?? defaultBundleLimits
  const polling = options.polling ?? defaultPolling
  const fetcher = options.fetcher ?? createFetcher(options, limits)
  const poller = new BundlePoller(options, limits, fetcher)
  const queue = createSerialQueue()
  let failures = 0
  let timer: TimerHandle | undefined

  const serialized = (): Promise<boolean> => queue.run(() => poller.poll())

  const schedule = (): void => {
    if (poller.stopped) return
    const delay = pollDelay(polling, failures, options.random)
    timer = clock.setTimeout(() => {
      timer = undefined
      void serialized().then((ok) => {
        failures = ok ? 0 : failures + 1
        schedule()
      })
    }, delay)
  }

  return {
    name,
    async start() {
      if (!sink.claim(name, name, { confirmRequired: true })) {
        throw new ClearanceError(ErrorCodes.configError, `two sources provide a bundle named "${name}"`)
      }
      await poller.loadPersisted()
      const ok = await serialized()
      failures = ok ? 0 : 1
      schedule()
    },
    async stop() {
      poller.stop()
      if (timer !== undefined) clock.clearTimeout(timer)
      timer = undefined
      await queue.idle()
      fetcher.close()
    },
    status: () => poller.state,
    pollNow: serialized,
  }
}

function createFetcher(options: HttpSourceOptions, limits: BundleLimits): BundleFetcher {
  return createBundleFetcher({
    credentials: options.credentials,
    timeoutMs: options.timeoutMs,
    maxBytes: Math.min(options.maxBytes ?? limits.maxCompressedBytes, limits.maxCompressedBytes),
  })
}

function requestHeaders(activeEtag: string): Record<string, string> {
  const headers: Record<string, string> = {
    accept: 'application/gzip, application/octet-stream, application/vnd.openpolicyagent.bundles',
    prefer: 'modes=snapshot',
  }
  if (activeEtag !== '') headers['if-none-match'] = activeEtag
  return headers
}

/** One bundle's polls: what is active (its ETag and digest), and each poll's request, answer and activation. */
class BundlePoller {
  state: SourceState = 'not_ready'
  private activeEtag = ''
  private activeDigest: string | undefined
  private halted = false
  private inflight: AbortController | undefined

  constructor(
    private readonly options: HttpSourceOptions,
    private readonly limits: BundleLimits,
    private readonly fetcher: BundleFetcher,
  ) {}

  get stopped(): boolean {
    return this.halted
  }

  /** Abandons the poll in flight; later polls do nothing. */
  stop(): void {
    this.halted = true
    this.inflight?.abort(new Error('source stopped'))
  }

  /** Asks the server for the bundle; resolves true when the active bundle is current or the new one activated. */
  async poll(): Promise<boolean> {
    if (this.halted) return false
    this.options.sink.requested(this.options.name)
    const answer = await this.request()
    if (answer === undefined || this.halted) return false
    const { response, metrics } = answer
    if (response.status === 304 && this.activeDigest !== undefined) return this.notModified()
    if (response.status !== 200) return this.refused(response.status, metrics)
    return this.received(response, metrics)
  }

  async loadPersisted(): Promise<void> {
    const { name, store, log } = this.options
    const persisted = await store?.load(name).catch((thrown: unknown) => {
      log?.warn({ bundle: name, err: thrown }, 'could not read the persisted bundle')
      return undefined
    })
    if (persisted === undefined) return
    if (await this.activate(persisted.bytes, persisted.etag, {})) {
      log?.info({ bundle: name }, 'activated the persisted bundle')
    }
  }

  private async request(): Promise<{ response: FetchResponse; metrics: Record<string, number> } | undefined> {
    const headers = requestHeaders(this.activeEtag)
    this.inflight = new AbortController()
    const started = process.hrtime.bigint()
    let response: FetchResponse
    try {
      response = await this.fetcher.get(this.options.url, headers, this.inflight.signal)
    } catch (thrown) {
      this.failed(thrown)
      return undefined
    } finally {
      this.inflight = undefined
    }
    return { response, metrics: { timer_bundle_request_ns: Number(process.hrtime.bigint() - started) } }
  }

  private notModified(): true {
    const { name, sink } = this.options
    sink.requestSucceeded(name)
    sink.confirmed(name)
    this.state = 'ok'
    return true
  }

  private refused(status: number, metrics: Record<string, number>): false {
    const text = STATUS_CODES[status] ?? String(status)
    return this.failed(new ClearanceError(ErrorCodes.bundleError, `server replied with ${text}`), {
      httpCode: status,
      metrics,
    })
  }

  /** A 200: confirms the active bundle when the bytes are the same, else activates and persists the new one. */
  private async received(response: FetchResponse, metrics: Record<string, number>): Promise<boolean> {
    const { name, sink } = this.options
    sink.requestSucceeded(name)
    sink.downloaded(name, response.body.byteLength)
    const etagHeader = response.headers.etag
    const etag = typeof etagHeader === 'string' ? etagHeader : ''
    if (this.activeDigest !== undefined && sha256(response.body) === this.activeDigest) {
      // The same bytes again (a server without ETags): nothing to activate, but the revision is confirmed.
      this.activeEtag = etag
      sink.confirmed(name)
      this.state = 'ok'
      return true
    }
    if (!(await this.activate(response.body, etag, metrics))) return false
    await this.persist(response.body, etag)
    return true
  }

  private async activate(bytes: Uint8Array, etag: string, metrics: Record<string, number>): Promise<boolean> {
    let files: Awaited<ReturnType<typeof readBundleArchive>>
    try {
      files = await readBundleArchive(bytes, this.limits)
    } catch (thrown) {
      return this.failed(thrown, { metrics })
    }
    const [outcome] = await this.options.sink.offer([
      { name: this.options.name, files, size: bytes.byteLength, metrics },
    ])
    if (outcome === undefined || !outcome.ok) {
      if (this.state !== 'not_ready') this.state = 'error'
      return false
    }
    this.activeEtag = etag
    this.activeDigest = sha256(bytes)
    this.state = 'ok'
    return true
  }

  private async persist(bytes: Uint8Array, etag: string): Promise<void> {
    const { name, store, log } = this.options
    try {
      await store?.save(name, bytes, etag)
    } catch (thrown) {
      log?.warn({ bundle: name, err: thrown }, 'could not persist the bundle')
    }
  }

  private failed(error: unknown, info?: FailureInfo): false {
    if (!this.halted) {
      this.options.sink.fail(this.options.name, error, info)
      if (this.state !== 'not_ready') this.state = 'error'
    }
    return false
  }
}
