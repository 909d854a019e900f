// A process that takes a thread from a warm-thread pool, ends it (so the pool keeps spares), waits until both spares
// are warm and returns from its main module: it must then exit on its own (warm-threads.test.ts).
import { createWarmThreads } from '../../../../engine/policy/warm-threads.js'
import { spawnWorker } from '../../../../engine/worker-script.js'

const script = new URL('../../../../engine/policy/evaluation-worker.ts', import.meta.url)
const pool = createWarmThreads({ spares: 2, spawn: () => spawnWorker(script, {}) })
const taken = pool.take()
await new Promise((resolve) => taken.once('message', resolve))
await taken.terminate()
while (pool.spares().warm < 2) await new Promise((resolve) => setTimeout(resolve, 20))
process.stdout.write(`${JSON.stringify(pool.spares())}\n`)
