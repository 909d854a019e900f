// `clearance replay`'s engine: streams the logs chunk by chunk to worker threads (one per core by default), each
// re-deciding with its own instances of the candidate bundle, and merges their tallies. At most IN_FLIGHT chunks
// wait per thread, so memory stays bounded however long the log is.
import { stat } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import type { Worker } from 'node:worker_threads'
import { ClearanceError, ErrorCodes } from '../errors.js'
import type { ResolvedBundle } from './candidate-bundle.js'
import { logChunks } from './log-chunks.js'
import { createTally, mergeTally, type Tally } from './replay-tally.js'
import type { ReplayWorkerData, ReplayWorkerReply, ReplayWorkerRequest } from './replay-worker.js'
import { spawnEngineWorker } from './spawn-worker.js'

const IN_FLIGHT = 4

export interface ReplayProgress {
  bytesRead: number
  totalBytes: number
  chunksDone: number
}

export interface ReplayOptions {
  candidate: readonly ResolvedBundle[]
  baseline?: readonly ResolvedBundle[] | undefined
  files: readonly string[]
  /** Worker threads (default: one per core). */
  threads?: number | undefined
  onProgress?: ((progress: ReplayProgress) => void) | undefined
}

export interface ReplayResult {
  tally: Tally
  files: readonly string[]
  candidate: { revisions: Record<string, string>; locations: string[] }
  baseline: { revisions: Record<string, string>; locations: string[] } | undefined
  durationMs: number
}

interface Thread {
  worker: Worker
  inFlight: number
}

function startThread(
  data: ReplayWorkerData,
): Promise<{ thread: Thread; ready: ReplayWorkerReply & { type: 'ready' } }> {
  const worker = spawnEngineWorker(new URL('./replay-worker', import.meta.url), { workerData: data })
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error)
    worker.once('error', onError)
    worker.once('message', (reply: ReplayWorkerReply) => {
      worker.off('error', onError)
      if (reply.type === 'ready') resolve({ thread: { worker, inFlight: 0 }, ready: reply })
      else {
        void worker.terminate()
        reject(
          new ClearanceError(
            ErrorCodes.bundleError,
            reply.type === 'failed' ? reply.message : 'replay thread did not start',
          ),
        )
      }
    })
  })
}

export async function runReplay(options: ReplayOptions): Promise<ReplayResult> {
  const started = performance.now()
  const count = Math.max(1, options.threads ?? availableParallelism())
  const data: ReplayWorkerData = {
    candidate: options.candidate.map(({ name, path }) => ({ name, path })),
    baseline: options.baseline?.map(({ name, path }) => ({ name, path })),
  }
  const starts = await Promise.allSettled(Array.from({ length: count }, () => startThread(data)))
  const threads = starts.flatMap((s) => (s.status === 'fulfilled' ? [s.value.thread] : []))
  const failed = starts.find((s) => s.status === 'rejected')
  if (failed !== undefined) {
    await Promise.all(threads.map((t) => t.worker.terminate()))
    throw (failed as PromiseRejectedResult).reason
  }
  const ready = (starts[0] as PromiseFulfilledResult<{ ready: ReplayWorkerReply & { type: 'ready' } }>).value
    .ready

  let totalBytes = 0
  for (const file of options.files) totalBytes += (await stat(file)).size
  const progress: ReplayProgress = { bytesRead: 0, totalBytes, chunksDone: 0 }
  let wake: (() => void) | undefined
  let workerError: Error | undefined
  for (const thread of threads) {
    thread.worker.on('message', (reply: ReplayWorkerReply) => {
      if (reply.type !== 'done') return
      thread.inFlight--
      progress.chunksDone++
      options.onProgress?.(progress)
      wake?.()
    })
    thread.worker.on('error', (error) => {
      workerError = error
      wake?.()
    })
  }
  const idlest = (): Thread => threads.reduce((best, t) => (t.inFlight < best.inFlight ? t : best))
  const waitForRoom = async (): Promise<Thread> => {
    for (;;) {
      if (workerError !== undefined) throw workerError
      const thread = idlest()
      if (thread.inFlight < IN_FLIGHT) return thread
      await new Promise<void>((resolve) => {
        wake = resolve
      })
      wake = undefined
    }
  }

  try {
    for (const [index, file] of options.files.entries()) {
      for await (const chunk of logChunks(file, index, (bytes) => {
        progress.bytesRead += bytes
      })) {
        const thread = await waitForRoom()
        thread.inFlight++
        thread.worker.postMessage({ type: 'chunk', chunk } satisfies ReplayWorkerRequest)
      }
    }
    const tally = createTally()
    const tallies = await Promise.all(
      threads.map(
        (thread) =>
          new Promise<Tally>((resolve, reject) => {
            thread.worker.on('message', (reply: ReplayWorkerReply) => {
              if (reply.type === 'tally') resolve(reply.tally)
            })
            thread.worker.once('error', reject)
            thread.worker.postMessage({ type: 'finish' } satisfies ReplayWorkerRequest)
          }),
      ),
    )
    for (const part of tallies) mergeTally(tally, part)
    return {
      tally,
      files: options.files,
      candidate: { revisions: ready.candidate, locations: options.candidate.map((b) => b.location) },
      baseline:
        ready.baseline === undefined || options.baseline === undefined
          ? undefined
          : { revisions: ready.baseline, locations: options.baseline.map((b) => b.location) },
      durationMs: performance.now() - started,
    }
  } finally {
    await Promise.all(threads.map((t) => t.worker.terminate()))
  }
}
