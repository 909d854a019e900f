// The starvation attack of the hardening issue, against a server on 127.0.0.1: attackers loop requests that run
// past the evaluation time limit (the same input repeated, and a fresh input every time) while legitimate callers
// ask the same policy module for quick decisions. Bounded by time, seeded by construction (inputs are a counter).
// Legitimate callers connect from 127.0.0.1, attackers from 127.0.0.2: the server shares its evaluation threads
// fairly per client address. Used by test/engine/server/starvation.test.ts and bench/hardening.ts.
import { Agent, request } from 'node:http'

export interface LoopStats {
  sent: number
  ok: number
  latenciesMs: number[]
  /** The first few failures, as "status body". */
  failures: string[]
}

export interface AttackReport {
  legit: LoopStats
  attack: LoopStats
}

/** One POST over `agent`; resolves with the status and body, or undefined on a transport failure or timeout. */
function post(
  url: URL,
  body: string,
  agent: Agent,
  timeoutMs: number,
): Promise<{ status: number; text: string } | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      )
      res.on('error', () => resolve(undefined))
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(undefined))
    req.end(body)
  })
}

async function loop(
  url: URL,
  body: (i: number) => string,
  untilMs: number,
  stats: LoopStats,
  localAddress: string,
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, localAddress })
  try {
    for (let i = 0; performance.now() < untilMs; i++) {
      const started = performance.now()
      stats.sent++
      const reply = await post(url, body(i), agent, 10_000)
      if (reply?.status === 200 && reply.text.includes('"result":true')) stats.ok++
      else if (stats.failures.length < 5)
        stats.failures.push(`${reply?.status ?? 'no reply'} ${reply?.text ?? ''}`)
      stats.latenciesMs.push(performance.now() - started)
    }
  } finally {
    agent.destroy()
  }
}

const LEGITIMATE = '127.0.0.1'
const ATTACKER = '127.0.0.2'

const emptyStats = (): LoopStats => ({ sent: 0, ok: 0, latenciesMs: [], failures: [] })

/**
 * Runs `legitCallers` loops of quick decisions for `durationMs`, with `repeatAttackers` loops sending one slow
 * input again and again and `freshAttackers` loops sending a new slow input each time (none when both are 0).
 */
export async function runStarvationAttack(options: {
  baseUrl: string
  path: string
  durationMs: number
  legitCallers: number
  repeatAttackers: number
  freshAttackers: number
  /** `n` of the slow-loop fixture's quadratic rule: big enough to run far past the limit. */
  slowN?: number
  /** The attackers' loops send quick inputs instead: the same load without the attack, for the baseline. */
  benign?: boolean
}): Promise<AttackReport> {
  const url = new URL(`${options.baseUrl}/v1/data/${options.path}`)
  const until = performance.now() + options.durationMs
  const legit = emptyStats()
  const attack = emptyStats()
  const slowN = options.benign === true ? 2 : (options.slowN ?? 3000)
  const runs: Promise<void>[] = []
  for (let i = 0; i < options.repeatAttackers; i++) {
    runs.push(loop(url, () => `{"input":{"n":${slowN}}}`, until, attack, ATTACKER))
  }
  for (let a = 0; a < options.freshAttackers; a++) {
    runs.push(
      loop(
        url,
        (i) => `{"input":{"n":${options.benign === true ? 2 + (i % 3) : slowN + 1 + a * 1_000_000 + i}}}`,
        until,
        attack,
        ATTACKER,
      ),
    )
  }
  for (let i = 0; i < options.legitCallers; i++) {
    runs.push(loop(url, (j) => `{"input":{"n":${2 + ((i + j) % 3)}}}`, until, legit, LEGITIMATE))
  }
  await Promise.all(runs)
  return { legit, attack }
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}
