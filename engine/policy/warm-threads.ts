// Spare evaluation threads kept warm, so that activating a policy set does not wait for new threads to import
// the evaluation worker's module graph (the builtins with graphql and yaml: 300–900 ms per thread on a busy
// machine, where loading the policy itself takes 40–70 ms). A spare holds no policy: it has imported the graph and
// waits for its first message, the module and data to load (evaluation-worker.ts). It is handed out once and
// never returns, so a thread only ever serves the one policy it was given.
//
// Spares cost memory (~23 MiB RSS each, measured with node 20), so a process keeps them only once a thread it
// took has ended (a retired policy set after a reload, a thread replaced after an overrun): a process that loads
// its policies once (`clearance eval`, a fixed bundle) pays nothing, and its first reload starts cold. The pool
// refills after each take, once the thread taken has loaded its policy, so the refill's import does not compete
// with the activation it serves.
//
// A warm spare is also primed: it loads a policy it is given (the latest one loaded) with empty data and drops
// it, so that the first real load on the thread finds opa-wasm's and the builtins' code compiled and the module in
// the engine's code cache (the first load on a new thread takes 50–80 ms idle, 100–500 ms on a busy machine; the
// next ones 2–10 ms).
import type { Worker } from 'node:worker_threads'
import { DEFAULTS } from '../config/defaults.js'

/** The first message of every evaluation thread: its module graph is imported, it waits for its policy. */
export interface EvaluationWorkerWarm {
  warm: true
}

export function isWarmMessage(message: unknown): message is EvaluationWorkerWarm {
  return typeof message === 'object' && message !== null && (message as { warm?: unknown }).warm === true
}

/** What a warm spare loads and drops before it is taken: a policy.wasm, in memory shared with its threads. */
export interface EvaluationWorkerPrimer {
  prime: Uint8Array
}

export function isPrimer(message: unknown): message is EvaluationWorkerPrimer {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { prime?: unknown }).prime instanceof Uint8Array
  )
}

export interface WarmThreadsOptions {
  /** Starts a worker on the evaluation worker script. */
  spawn: () => Worker
  /** Spares kept ready once a thread taken has ended (default DEFAULTS.evalSpareThreads). */
  spares?: number
  /** First wait before replacing a spare that died before it was warm (doubles up to 30 s; default 250 ms). */
  retryMs?: number
}

export interface WarmThreads {
  /**
   * A worker running the evaluation worker script: a spare (warm first) when one is ready, else a new one. The
   * caller owns it from here. Refills the spares once `loaded` settles (the caller's thread has loaded its
   * policy).
   */
  take(loaded?: Promise<unknown>): Worker
  /** The policy spares that become warm from now on load once and drop (the latest given replaces the last). */
  prime(primer: EvaluationWorkerPrimer): void
  /** Spares not yet handed out, and how many of them are warm. */
  spares(): { total: number; warm: number }
  /** Terminates the spares; later takes start new threads and keep none. */
  close(): void
}

interface Spare {
  worker: Worker
  warm: boolean
  detach(): void
}

const MAX_RETRY_MS = 30_000

export function createWarmThreads({
  spawn,
  spares: target = DEFAULTS.evalSpareThreads,
  retryMs = 250,
}: WarmThreadsOptions): WarmThreads {
  const idle: Spare[] = []
  /** Whether a thread handed out has ended: the process replaces threads, so spares are worth their memory. */
  let replacing = false
  let closed = false
  let failures = 0
  let retry: NodeJS.Timeout | undefined
  let primer: EvaluationWorkerPrimer | undefined

  const keeping = (): boolean => !closed && replacing && target > 0

  const start = (): void => {
    const worker = spawn()
    const spare: Spare = { worker, warm: false, detach: () => {} }
    const onMessage = (message: unknown): void => {
      if (!isWarmMessage(message)) return
      spare.warm = true
      failures = 0
      if (primer !== undefined) worker.postMessage(primer)
    }
    // A spare's failure is the pool's business only: it is dropped and replaced, never reported.
    const onError = (): void => {}
    const onExit = (): void => {
      const index = idle.indexOf(spare)
      if (index < 0) return
      idle.splice(index, 1)
      spare.detach()
      if (spare.warm) fill()
      else retryLater()
    }
    spare.detach = () => {
      worker.off('message', onMessage)
      worker.off('error', onError)
      worker.off('exit', onExit)
    }
    worker.on('message', onMessage)
    worker.on('error', onError)
    worker.on('exit', onExit)
    // After the listeners: a 'message' listener refs the worker again, and a spare must never keep the process up.
    worker.unref()
    idle.push(spare)
  }

  /** A spare that died before it was warm (a script that cannot load, no memory): retried with a growing wait. */
  const retryLater = (): void => {
    if (!keeping() || retry !== undefined) return
    failures++
    const delayMs = Math.min(MAX_RETRY_MS, retryMs * 2 ** Math.min(failures - 1, 7))
    retry = setTimeout(() => {
      retry = undefined
      fill()
    }, delayMs)
    retry.unref()
  }

  const fill = (): void => {
    if (!keeping() || retry !== undefined) return
    while (idle.length < target) start()
  }

  return {
    take(loaded) {
      // Warm first; else the one that started first, which is further into its imports than a new thread.
      const index = idle.findIndex((spare) => spare.warm)
      const [spare] = idle.splice(index < 0 ? 0 : index, 1)
      let worker: Worker
      if (spare === undefined) {
        worker = spawn()
        worker.unref()
      } else {
        spare.detach()
        worker = spare.worker
      }
      worker.once('exit', () => {
        replacing = true
        fill()
      })
      if (loaded === undefined) queueMicrotask(fill)
      else void loaded.then(fill, fill)
      return worker
    },
    prime(given) {
      primer = given
    },
    spares: () => ({ total: idle.length, warm: idle.filter((spare) => spare.warm).length }),
    close() {
      closed = true
      if (retry !== undefined) clearTimeout(retry)
      retry = undefined
      for (const spare of idle.splice(0)) {
        spare.detach()
        // Termination may still report an error (a thread that was mid-import); nothing should hear of it.
        spare.worker.on('error', () => {})
        void spare.worker.terminate()
      }
    },
  }
}
