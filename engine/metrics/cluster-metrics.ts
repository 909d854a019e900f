// GET /metrics under `--workers`: whichever worker takes the scrape answers for the whole cluster. It asks the
// primary, which collects every worker's registry over the cluster's IPC channel (prom-client's
// AggregatorRegistry: counters and histograms summed, process gauges aggregated as prom-client defines).
import nodeCluster, { type Cluster, type Worker } from 'node:cluster'
import { AggregatorRegistry, type Registry } from 'prom-client'

const REQUEST = 'clearance:cluster-metrics-request'
const RESPONSE = 'clearance:cluster-metrics-response'

interface MetricsRequest {
  type: typeof REQUEST
  id: number
}

interface MetricsResponse {
  type: typeof RESPONSE
  id: number
  contentType?: string
  body?: string
  error?: string
}

const isMessage = <T extends { type: string }>(message: unknown, type: T['type']): message is T =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type

/** In the primary: answers workers' requests for the cluster's metrics. Returns a function that stops it. */
export function serveClusterMetrics(cluster: Cluster = nodeCluster): () => void {
  const aggregator = new AggregatorRegistry()
  const onMessage = (worker: Worker, message: unknown): void => {
    if (!isMessage<MetricsRequest>(message, REQUEST)) return
    const reply = (response: Omit<MetricsResponse, 'type' | 'id'>): void => {
      if (worker.isConnected()) worker.send({ type: RESPONSE, id: message.id, ...response })
    }
    aggregator.clusterMetrics().then(
      (body) => reply({ contentType: aggregator.contentType, body }),
      (error: unknown) => reply({ error: error instanceof Error ? error.message : String(error) }),
    )
  }
  cluster.on('message', onMessage)
  return () => cluster.off('message', onMessage)
}

/**
 * In a worker: offers `registry` to the primary's collection and returns a render() that answers with the
 * whole cluster's metrics (rejecting when the primary does not answer within `timeoutMs`).
 */
export function clusterMetricsRenderer(
  registry: Registry,
  timeoutMs = 5000,
): () => Promise<{ contentType: string; body: string }> {
  AggregatorRegistry.setRegistries([registry])
  // prom-client installs a worker's answer to the primary's collection when an AggregatorRegistry is created.
  new AggregatorRegistry()
  let nextId = 0
  const waiting = new Map<number, (response: MetricsResponse) => void>()
  process.on('message', (message: unknown) => {
    if (!isMessage<MetricsResponse>(message, RESPONSE)) return
    waiting.get(message.id)?.(message)
  })
  return () =>
    new Promise((resolve, reject) => {
      const id = nextId++
      const timer = setTimeout(() => {
        waiting.delete(id)
        reject(new Error(`the cluster primary did not answer for metrics within ${timeoutMs} ms`))
      }, timeoutMs)
      waiting.set(id, (response) => {
        clearTimeout(timer)
        waiting.delete(id)
        if (response.body !== undefined && response.contentType !== undefined) {
          resolve({ contentType: response.contentType, body: response.body })
        } else reject(new Error(`cluster metrics: ${response.error ?? 'no answer'}`))
      })
      process.send?.({ type: REQUEST, id } satisfies MetricsRequest)
    })
}
