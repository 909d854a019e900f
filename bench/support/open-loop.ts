// Open loop: requests fall due on a fixed schedule (`rate` per second, evenly spaced) whatever the answers do, and
// each latency is counted from the request's due time, so a server that falls behind is charged for the wait (no
// coordinated omission). Non-2xx answers, socket errors and timeouts count as failed.
//
// The generator runs in the bench process and shares the machine's cores with the servers, so it is built to add
// as little as it can to what it measures, alike for every server:
// - pacing: a 1 ms setTimeout tick sends everything due in bursts (~5 requests at 5,000/s, each sent up to ~1 ms
//   late, queued behind each other at the server). Instead, past a coarse timer for waits over 2 ms, the loop sleeps
//   (Atomics.wait, which uses no CPU) until the next request falls due, in slices of at most `sliceUs` while
//   requests are in flight, between event-loop turns that read answers and send each request when due. Timer
//   slack and the slice bound how late a request is written and how long an answer waits unread;
// - a raw keep-alive client (bench/support/keep-alive-connection.ts): prebuilt request bytes, a strict response
//   framer, no per-request objects, up to `maxSockets` connections opened as needed and reused last-in first-out;
//   a request due while all are busy waits for one, and that wait counts in its latency.
// The run reports the generator's own CPU and how late requests were written after they fell due.
import { type ConnectionOwner, KeepAliveConnection } from './keep-alive-connection.js'
import { type LoadResult, type LoadTarget, latencyStats, Samples } from './load-result.js'

export interface OpenLoopOptions {
  rate: number
  seconds: number
  /** Most connections open at once (default 64). */
  maxSockets?: number
  /** A request unanswered this long after it was written fails and its connection is closed (default 10 s). */
  timeoutMs?: number
  /** Longest sleep between event-loop turns while requests are near due, in µs (default 100). */
  sliceUs?: number
}

const COARSE_MS = 2
const sleeper = new Int32Array(new SharedArrayBuffer(4))

/** Full HTTP/1.1 request bytes for each body, built once per run. */
function requestBytes(url: URL, path: string, bodies: readonly string[]): Buffer[] {
  return bodies.map((body) => {
    const payload = Buffer.from(body)
    const head =
      `POST ${path} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${payload.byteLength}\r\n\r\n`
    return Buffer.concat([Buffer.from(head, 'latin1'), payload])
  })
}

export async function runOpenLoop(target: LoadTarget, options: OpenLoopOptions): Promise<LoadResult> {
  const url = new URL(target.url)
  const host = url.hostname
  const port = Number(url.port)
  const requests = requestBytes(url, target.path, target.bodies)
  const maxSockets = options.maxSockets ?? 64
  const timeoutMs = options.timeoutMs ?? 10_000
  const sliceMs = (options.sliceUs ?? 100) / 1000
  const intervalMs = 1000 / options.rate
  const total = Math.max(1, Math.round(options.rate * options.seconds))
  const latencies = new Samples()
  const sendLags = new Samples()
  const idle: KeepAliveConnection[] = []
  const open = new Set<KeepAliveConnection>()
  let ok = 0
  let failed = 0
  let due = 0 // requests that have fallen due
  let written = 0 // requests written to a connection; due - written wait for one
  let settled = 0
  let finish: () => void = () => {}
  const cpuBefore = process.cpuUsage()
  const startMs = performance.now()

  const dispatch = (): void => {
    while (written < due) {
      let connection = idle.pop()
      if (connection === undefined) {
        if (open.size >= maxSockets) return
        connection = new KeepAliveConnection(host, port, owner)
        open.add(connection)
      }
      const dueMs = startMs + written * intervalMs
      connection.send(requests[written % requests.length]!, dueMs)
      sendLags.push(connection.sentMs - dueMs)
      written++
    }
  }
  const settle = (): void => {
    settled++
    if (settled === total) finish()
  }
  const owner: ConnectionOwner = {
    answered(connection, status, atMs) {
      if (status >= 200 && status < 300) {
        ok++
        latencies.push(atMs - connection.dueMs)
      } else {
        failed++
      }
      if (!connection.done) idle.push(connection)
      settle()
      dispatch()
    },
    closed(connection, inFlight) {
      open.delete(connection)
      const at = idle.indexOf(connection)
      if (at >= 0) idle.splice(at, 1)
      if (inFlight) {
        failed++
        settle()
      }
      dispatch()
    },
  }
  const step = (): void => {
    const now = performance.now()
    const dueNow = Math.min(total, Math.floor((now - startMs) / intervalMs) + 1)
    if (dueNow > due) {
      due = dueNow
      dispatch()
    }
    if (due === total) return
    const waitMs = startMs + due * intervalMs - performance.now()
    if (waitMs > COARSE_MS) {
      // the timer may fire up to ~1 ms late: wake 1 ms early and let the slices do the rest
      setTimeout(step, Math.floor(waitMs) - 1)
      return
    }
    // an answer that arrives while the loop sleeps waits unread: sleep in slices only while one may be coming
    const sleepMs = written > settled ? Math.min(waitMs, sliceMs) : waitMs
    if (sleepMs > 0.02) Atomics.wait(sleeper, 0, 0, sleepMs)
    setImmediate(step)
  }
  const timeouts = setInterval(() => {
    const now = performance.now()
    for (const connection of open) {
      if (connection.busy && now - connection.sentMs > timeoutMs) connection.destroy()
    }
  }, 100)
  await new Promise<void>((resolve) => {
    finish = resolve
    step()
  })
  const seconds = (performance.now() - startMs) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  clearInterval(timeouts)
  for (const connection of open) connection.destroy()
  const stats = latencyStats(latencies)
  return {
    ok,
    failed,
    seconds,
    rps: ok / seconds,
    p50Ms: stats.p50,
    p99Ms: stats.p99,
    meanMs: stats.mean,
    clientCpuPct: (100 * (cpu.user + cpu.system)) / 1000 / (seconds * 1000),
    sendLagP99Ms: latencyStats(sendLags).p99,
  }
}
