// A fleet on one machine, for the fleet test and bench/fleet.ts: a real OCI registry (docker-registry), N
// `clearance serve` replicas pulling one tag from it and shipping decision logs to one collector, and real nginx
// in front as the load balancer. Everything on 127.0.0.1; stop() ends every process it started.
import {
  createOciRegistryClient,
  type OciRegistryClient,
  parseOciReference,
  pushBundle,
} from '../../engine/net/index.js'
import { type LogCollector, startLogCollector } from '../engine/decision-log/log-collector.js'
import { type ServeProcess, startServe } from './clearance-cli.js'
import { type NginxProcess, startNginx } from './nginx.js'
import { type RegistryProcess, startRegistry } from './oci-registry.js'

export interface FleetOptions {
  replicas: number
  /** The bundle for version n (its revision must be `v<n>`). */
  bundle(version: number): Uint8Array
  pollingMinSeconds: number
  pollingMaxSeconds: number
  /** Extra `clearance serve` flags for every replica. */
  serveArgs?: string[]
}

export interface Fleet {
  registry: RegistryProcess
  collector: LogCollector
  replicas: ServeProcess[]
  nginx: NginxProcess
  reference: string
  /** Pushes version n; resolves with the manifest digest once the registry has it. */
  push(version: number): Promise<string>
  /** The active revision of the one bundle on a replica, from its GET /v1/status. */
  revisionOf(replica: ServeProcess): Promise<string | undefined>
  /** Per live replica, milliseconds from `since` until it activated `v<version>` (its status's activation time). */
  convergence(version: number, since: number, timeoutMs: number): Promise<Convergence[]>
  stopReplica(index: number): Promise<void>
  stop(): Promise<void>
}

interface BundleState {
  active_revision?: string
  last_successful_activation?: string
  metrics?: { timer_bundle_activate_ns?: number }
}

/** One replica taking one push: when it served the revision, and how much of that was its own activation. */
export interface Convergence {
  /** From the push's completion to the replica's activation stamp. */
  ms: number
  /** Verify + load + compile + smoke-evaluate + swap on the replica (its timer_bundle_activate_ns). */
  activationMs: number
}

export const FLEET_DECISION_PATH = 'reload/version'

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const started: Array<{ stop(): Promise<unknown> }> = []
  let client: OciRegistryClient | undefined
  const stopAll = async (): Promise<void> => {
    client?.close()
    for (const part of started.splice(0).reverse()) await part.stop().catch(() => undefined)
  }
  try {
    const registry = await startRegistry()
    started.push(registry)
    const collector = await startLogCollector()
    started.push({ stop: () => collector.close() })
    client = createOciRegistryClient({})
    const reference = `oci://${registry.host}/policies/reload:live`
    const ref = parseOciReference(reference)
    const push = async (version: number): Promise<string> =>
      (await pushBundle(client!, ref, options.bundle(version))).digest
    await push(1)
    const replicas = await Promise.all(
      Array.from({ length: options.replicas }, (_, index) =>
        startServe([
          '--bundle',
          `reload=${reference}`,
          '--polling-min-delay',
          String(options.pollingMinSeconds),
          '--polling-max-delay',
          String(options.pollingMaxSeconds),
          '--decision-log-url',
          collector.url,
          '--decision-log-min-delay',
          '1',
          '--decision-log-max-delay',
          '1',
          '--instance-id',
          `replica-${index}`,
          '--no-input-schema',
          ...(options.serveArgs ?? []),
        ]),
      ),
    )
    const live = new Set(replicas)
    for (const replica of replicas) started.push(replica)
    const nginx = await startNginx(replicas.map((replica) => new URL(replica.url).host))
    started.push(nginx)

    const statusOf = async (replica: ServeProcess): Promise<BundleState | undefined> => {
      const response = await fetch(`${replica.url}/v1/status`)
      const body = (await response.json()) as { result?: { bundles?: Record<string, BundleState> } }
      return body.result?.bundles?.reload
    }
    const revisionOf = async (replica: ServeProcess): Promise<string | undefined> =>
      (await statusOf(replica))?.active_revision

    return {
      registry,
      collector,
      replicas,
      nginx,
      reference,
      push,
      revisionOf,
      async convergence(version, since, timeoutMs) {
        const wanted = `v${version}`
        const times = new Map<ServeProcess, Convergence>()
        const until = since + timeoutMs
        while (times.size < live.size) {
          for (const replica of live) {
            if (times.has(replica)) continue
            const state = await statusOf(replica).catch(() => undefined)
            // the replica's own stamp of the moment it began serving the revision, not when this loop saw it
            if (state?.active_revision === wanted && state.last_successful_activation !== undefined) {
              times.set(replica, {
                ms: Date.parse(state.last_successful_activation) - since,
                activationMs: Math.round((state.metrics?.timer_bundle_activate_ns ?? 0) / 1e6),
              })
            }
          }
          if (Date.now() > until) {
            const states = await Promise.all([...live].map((replica) => statusOf(replica).catch(String)))
            throw new Error(
              `only ${times.size} of ${live.size} replicas serve ${wanted} after ${timeoutMs} ms: ${JSON.stringify(states)}`,
            )
          }
          // the replicas stamp activation themselves, so looking often buys no precision, only load
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
        return [...times.values()]
      },
      async stopReplica(index) {
        const replica = replicas[index]!
        live.delete(replica)
        await replica.stop()
      },
      stop: stopAll,
    }
  } catch (thrown) {
    await stopAll()
    throw thrown
  }
}

export interface LoadResult {
  ok: number
  failed: number
  /** Statuses other than 200 and network errors, as text, for the failure message. */
  failures: string[]
  decisionIds: string[]
}

/** Decision requests through `url` from `concurrency` loops, each pausing `pauseMs` between requests. */
export function startLoad(
  url: string,
  concurrency: number,
  pauseMs: number,
): { stop(): Promise<LoadResult> } {
  const result: LoadResult = { ok: 0, failed: 0, failures: [], decisionIds: [] }
  let running = true
  const body = JSON.stringify({ input: { user: 'alice' } })
  const loop = async (): Promise<void> => {
    while (running) {
      try {
        const response = await fetch(`${url}/v1/data/${FLEET_DECISION_PATH}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        })
        const text = await response.text()
        if (response.status === 200) {
          result.ok++
          result.decisionIds.push((JSON.parse(text) as { decision_id: string }).decision_id)
        } else {
          result.failed++
          result.failures.push(`${response.status} ${text.slice(0, 200)}`)
        }
      } catch (thrown) {
        result.failed++
        result.failures.push(String(thrown))
      }
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs))
    }
  }
  const loops = Array.from({ length: concurrency }, loop)
  return {
    async stop() {
      running = false
      await Promise.all(loops)
      return result
    },
  }
}
