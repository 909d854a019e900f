import { describe, expect, it } from 'vitest'
import { parseJson, stringifyJson } from '../../src/values/json-text.js'
import { OutOfRangeNumber } from '../../src/values/out-of-range-number.js'

describe('JSON codec as OPA reads JSON', () => {
  it('keeps numbers out of float64 range as their text, both ways', () => {
    const text = '{"big":1e400,"neg":-1e400,"tiny":1e-400,"ok":2.5,"e":1e300}'
    const value = parseJson(text) as Record<string, unknown>
    expect(value.big).toEqual(new OutOfRangeNumber('1e400'))
    expect(value.tiny).toEqual(new OutOfRangeNumber('1e-400'))
    expect(value.ok).toBe(2.5)
    expect(stringifyJson(value)).toBe(text.replace('1e300', '1e+300'))
  })

  it('keeps integers beyond 2^53 exactly', () => {
    const text = '[123456789012345678901234567890,-9007199254740993]'
    expect(stringifyJson(parseJson(text))).toBe(text)
  })

  it('takes the last of duplicate keys, also when the text holds a big integer', () => {
    expect(parseJson('{"a":1,"a":2}')).toEqual({ a: 2 })
    expect(parseJson('{"a":1,"a":2,"n":123456789012345678901234567890}')).toEqual({
      a: 2,
      n: 123456789012345678901234567890n,
    })
  })

  it('reads a lone surrogate escape as U+FFFD, and a pair as its character', () => {
    expect(parseJson('{"u":"a\\ud800b","\\udc00":"\\ud83d\\ude00"}')).toEqual({
      u: 'a\uFFFDb',
      '\uFFFD': '😀',
    })
  })

  it('refuses to write an out-of-range number through plain JSON.stringify (it would quote it)', () => {
    expect(() => JSON.stringify([new OutOfRangeNumber('1e400')])).toThrow(TypeError)
    expect(stringifyJson([new OutOfRangeNumber('1e400')], 1)).toBe('[\n 1e400\n]')
  })
})
