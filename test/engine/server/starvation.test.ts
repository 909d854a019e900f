// One client must not starve a policy module: while attackers loop requests that run past the time limit (the
// same slow input repeated, and a fresh slow input each time), legitimate decisions on the same module keep
// succeeding at their normal latency. Through a real socket on 127.0.0.1; bounded in time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveConfigFromOptions } from '../../../engine/config/config.js'
import { type RunningServer, startServer } from '../../../engine/main.js'
import { silentLog } from '../../helpers/app.js'
import { buildFixture } from '../../helpers/fixtures.js'
import { percentile, runStarvationAttack } from '../../helpers/starvation-attack.js'

describe('starvation attack on one policy module', () => {
  let server: RunningServer

  beforeAll(async () => {
    server = await startServer(
      serveConfigFromOptions({
        bundle: [`slow=${await buildFixture('slow-loop')}`],
        addr: '127.0.0.1:0',
        evalTimeoutMs: '1000',
      }),
      silentLog,
    )
  })

  afterAll(async () => {
    await server.close()
  })

  it('keeps ≥ 95% of legitimate decisions succeeding, at no more than twice their normal latency', {
    timeout: 30_000,
  }, async () => {
    const common = { baseUrl: server.url, path: 'slow/pairs', legitCallers: 2 }
    const baseline = await runStarvationAttack({
      ...common,
      durationMs: 2000,
      repeatAttackers: 0,
      freshAttackers: 0,
    })
    const attacked = await runStarvationAttack({
      ...common,
      durationMs: 6000,
      repeatAttackers: 2,
      freshAttackers: 1,
    })
    const rate = attacked.legit.ok / attacked.legit.sent
    const normalP50 = percentile(baseline.legit.latenciesMs, 50)
    const attackedP50 = percentile(attacked.legit.latenciesMs, 50)
    const report = {
      legitSent: attacked.legit.sent,
      legitOk: attacked.legit.ok,
      attackSent: attacked.attack.sent,
      normalP50,
      attackedP50,
      normalP95: percentile(baseline.legit.latenciesMs, 95),
      attackedP95: percentile(attacked.legit.latenciesMs, 95),
      legitFailures: attacked.legit.failures,
    }
    expect(baseline.legit.ok).toBe(baseline.legit.sent)
    expect(attacked.attack.ok).toBe(0)
    expect(baseline.attack.ok).toBe(baseline.attack.sent)
    expect(attacked.legit.sent, JSON.stringify(report)).toBeGreaterThan(100)
    expect(rate, JSON.stringify(report)).toBeGreaterThanOrEqual(0.95)
    // A shared 2-core machine jitters (thread restarts take CPU from everyone): the margin is generous here; the
    // goal (×2) is measured with the server in its own process by bench/hardening.ts.
    expect(attackedP50, JSON.stringify(report)).toBeLessThan(normalP50 * 2 + 25)
  })
})
