import { describe, expect, it } from 'vitest'
import { OutOfRangeNumber } from '../../src/values/out-of-range-number.js'
import { RegoSet } from '../../src/values/rego-set.js'
import { canonicalJsonFromDump, hostValueFromDump } from '../../src/values/set-order.js'

describe('value dumps', () => {
  it('write sets as arrays sorted in OPA order, and non-string keys as their JSON text', () => {
    expect(canonicalJsonFromDump('{"b", "a", 1, [1], {"k": 1}}')).toBe('[1,"a","b",[1],{"k":1}]')
    expect(canonicalJsonFromDump('{1: set(), "x": {2, 1}}')).toBe('{"1":[],"x":[1,2]}')
  })

  it('give host builtins sets as RegoSet, big integers as bigint, and out-of-range numbers as their text', () => {
    const value = hostValueFromDump(
      '{"s": {3, 1}, "big": 123456789012345678901, "inf": 2e308, "half": .5}',
    ) as Record<string, unknown>
    expect(value.s).toBeInstanceOf(RegoSet)
    expect([...(value.s as RegoSet)]).toEqual([1, 3])
    expect(value.big).toBe(123456789012345678901n)
    expect(value.inf).toEqual(new OutOfRangeNumber('2e308'))
    expect(value.half).toBe(0.5)
  })
})
