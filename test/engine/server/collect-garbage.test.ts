import { describe, expect, it } from 'vitest'
import { fullGarbageCollector } from '../../../engine/server/collect-garbage.js'

describe('fullGarbageCollector', () => {
  it('gives a working full collection without exposing gc globally', () => {
    const collect = fullGarbageCollector()
    expect(collect).toBeTypeOf('function')
    let garbage: unknown[] | undefined = Array.from({ length: 200_000 }, (_, i) => ({ i }))
    expect(garbage.length).toBe(200_000)
    garbage = undefined
    const before = process.memoryUsage().heapUsed
    collect?.()
    expect(process.memoryUsage().heapUsed).toBeLessThan(before)
    expect('gc' in globalThis && typeof (globalThis as { gc?: unknown }).gc === 'function').toBe(false)
  })
})
