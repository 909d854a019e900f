import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { describeError } from '../../../../engine/server/error-response.js'
import { concurrencyLimit } from '../../../../engine/server/middleware/concurrency-limit.js'
import { silentLog } from '../../../helpers/app.js'

describe('concurrencyLimit', () => {
  it('answers 429 past the cap and serves again once requests finish', async () => {
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let rejected = 0
    const app = new Hono()
    app.use(concurrencyLimit(2, { onRejected: () => rejected++ }))
    app.get('/slow', async (c) => {
      await gate
      return c.json({})
    })
    app.onError((thrown, c) => {
      const { status, body } = describeError(thrown, silentLog)
      return c.json(body, status)
    })
    const first = app.request('/slow')
    const second = app.request('/slow')
    const third = await app.request('/slow')
    expect(third.status).toBe(429)
    expect((await third.json()).code).toBe('too_many_requests')
    expect(rejected).toBe(1)
    release()
    expect((await first).status).toBe(200)
    expect((await second).status).toBe(200)
    expect((await app.request('/slow')).status).toBe(200)
  })
})
