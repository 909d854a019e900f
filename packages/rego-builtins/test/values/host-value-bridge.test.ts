import { describe, expect, it } from 'vitest'
import { bridgedResultText, resetBridge, takeBridgedArguments } from '../../src/values/host-value-bridge.js'
import { OutOfRangeNumber } from '../../src/values/out-of-range-number.js'
import { RegoSet } from '../../src/values/rego-set.js'

const json = (value: unknown): string => JSON.stringify(value)

describe('host value bridge', () => {
  it('writes a result holding a set as Rego value text, numbers with their exact text', () => {
    const value = {
      s: RegoSet.ofSorted([1, new OutOfRangeNumber('2e308')]),
      big: 123456789012345678901n,
      e: RegoSet.ofSorted([]),
    }
    expect(bridgedResultText(value, true, json)).toBe('{"s":{1,2e308},"big":123456789012345678901,"e":set()}')
    resetBridge()
  })

  it('writes a result without sets, or from a call that did not come through the bridge, as JSON', () => {
    expect(bridgedResultText({ a: [1] }, true, json)).toBe('{"a":[1]}')
    expect(bridgedResultText(RegoSet.ofSorted([1, 2]), false, json)).toBe('[1,2]')
    expect(bridgedResultText(undefined, true, json)).toBeUndefined()
  })

  it('hands a direct call its own arguments', () => {
    expect(takeBridgedArguments(['a', 1])).toEqual({ args: ['a', 1], bridged: false })
  })
})
