// A replay thread: loads the candidate (and baseline) bundles itself with the engine's own loader and policy set,
// then re-decides the chunks of log it is sent and keeps its own tally, handed back when asked.
import { parentPort, workerData } from 'node:worker_threads'
import { loadBundleFromPath } from '../bundle/index.js'
import { describeThrown } from '../errors.js'
import { createPolicySet, type PolicySet } from '../policy/index.js'
import { createTally } from './replay-tally.js'
import { createReplayer, type LogChunk } from './replayer.js'

export interface ReplayWorkerData {
  candidate: ReadonlyArray<{ name: string; path: string }>
  baseline?: ReadonlyArray<{ name: string; path: string }> | undefined
}

export type ReplayWorkerRequest = { type: 'chunk'; chunk: LogChunk } | { type: 'finish' }

export type ReplayWorkerReply =
  | { type: 'ready'; candidate: Record<string, string>; baseline: Record<string, string> | undefined }
  | { type: 'failed'; message: string }
  | { type: 'done' }
  | { type: 'tally'; tally: ReturnType<typeof createTally> }

async function load(bundles: ReplayWorkerData['candidate']): Promise<PolicySet> {
  return createPolicySet(await Promise.all(bundles.map((b) => loadBundleFromPath(b.name, b.path))))
}

async function main(): Promise<void> {
  const port = parentPort
  if (port === null) return
  const data = workerData as ReplayWorkerData
  let candidate: PolicySet
  let baseline: PolicySet | undefined
  try {
    candidate = await load(data.candidate)
    baseline = data.baseline === undefined ? undefined : await load(data.baseline)
  } catch (thrown) {
    port.postMessage({ type: 'failed', message: describeThrown(thrown) } satisfies ReplayWorkerReply)
    return
  }
  const replayer = createReplayer({ candidate, baseline })
  const tally = createTally()
  // Requests are handled one after the other, in the order sent: a chunk's evaluations are awaited, and the
  // tally must not be sent while an earlier chunk is still being replayed.
  let previous: Promise<void> = Promise.resolve()
  port.on('message', (request: ReplayWorkerRequest) => {
    previous = previous.then(() => handle(request))
  })
  const handle = async (request: ReplayWorkerRequest): Promise<void> => {
    if (request.type === 'chunk') {
      await replayer.replayChunk(tally, request.chunk)
      port.postMessage({ type: 'done' } satisfies ReplayWorkerReply)
    } else {
      port.postMessage({ type: 'tally', tally } satisfies ReplayWorkerReply)
      candidate.close()
      baseline?.close()
      port.close()
    }
  }
  port.postMessage({
    type: 'ready',
    candidate: { ...candidate.revisions },
    baseline: baseline === undefined ? undefined : { ...baseline.revisions },
  } satisfies ReplayWorkerReply)
}

void main()
