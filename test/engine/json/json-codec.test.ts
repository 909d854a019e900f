import { describe, expect, it } from 'vitest'
import { parseJson, stringifyJson } from '../../../engine/json/json-codec.js'

describe('json codec', () => {
  it('round-trips integers beyond 2^53 exactly', () => {
    const text = '{"id":12345678901234567890,"list":[-98765432109876543210,1]}'
    expect(stringifyJson(parseJson(text))).toBe(text)
  })

  it('parses ordinary numbers as numbers even when long digit runs appear in strings', () => {
    expect(parseJson('{"s":"12345678901234567890","n":1.5}')).toEqual({ s: '12345678901234567890', n: 1.5 })
  })

  it('throws SyntaxError on malformed text', () => {
    expect(() => parseJson('{bad')).toThrow(SyntaxError)
    expect(() => parseJson('{"n":12345678901234567890')).toThrow()
  })

  it('indents when asked, bigints included', () => {
    expect(stringifyJson({ n: 12345678901234567890n }, 2)).toBe('{\n  "n": 12345678901234567890\n}')
  })
})
