import { describe, expect, it } from 'vitest'
import { ESCAPED_KEY, topLevelMember, topLevelMemberSpan } from '../../../engine/json/index.js'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
const valueText = (text: string, name = 'input'): string | undefined => {
  const raw = bytes(text)
  const span = topLevelMemberSpan(raw, name)
  return span === undefined ? undefined : new TextDecoder().decode(raw.subarray(span.start, span.end))
}

describe('topLevelMemberSpan', () => {
  it('finds the value of a top-level member exactly as written', () => {
    expect(valueText('{"input":{"a":[1,2,{"input":3}],"s":"x,}"}}')).toBe('{"a":[1,2,{"input":3}],"s":"x,}"}')
    expect(valueText('{ "other" : 1 , "input" :  [ 1 , 2 ]  \n}')).toBe('[ 1 , 2 ]')
    expect(valueText('{"input":false}')).toBe('false')
    expect(valueText('{"input":12345678901234567890123}')).toBe('12345678901234567890123')
    expect(valueText('{"input":"a \\" quoted, } string"}')).toBe('"a \\" quoted, } string"')
  })

  it('takes the last of duplicate keys, as JSON.parse does', () => {
    const text = '{"input":1,"x":{"input":2},"input":{"b":3}}'
    expect(valueText(text)).toBe('{"b":3}')
    expect(JSON.parse(text).input).toEqual({ b: 3 })
  })

  it('ignores members of nested objects and string values that look like keys', () => {
    expect(valueText('{"a":{"input":1}}')).toBeUndefined()
    expect(valueText('{"a":"input","b":2}')).toBeUndefined()
  })

  it('gives up when a top-level key is written with escapes, so the caller re-encodes the parsed value', () => {
    expect(topLevelMemberSpan(bytes('{"inp\\u0075t":{"a":1}}'), 'input')).toBe(ESCAPED_KEY)
    expect(topLevelMemberSpan(bytes('{"input":1,"\\"x":2}'), 'input')).toBe(ESCAPED_KEY)
  })
})

describe('top-level member text', () => {
  it('finds a member whatever precedes it, skipping strings and nested values', () => {
    const text =
      '{"a":"x\\"reasons\\":1}","b":{"reasons":[9]},"c":[{"d":"]"}],"n":-1.5e3,"reasons":[{"code":"c"}]}'
    expect(topLevelMember(text, 'reasons')).toEqual({ found: true, text: '[{"code":"c"}]', exact: true })
    expect(JSON.parse(topLevelMember(text, 'n').text!)).toBe(-1500)
  })

  it('reads members of indented JSON and members that are the last one', () => {
    expect(topLevelMember('{ "allow" : true ,\n "reasons" : [ ] }', 'reasons').text).toBe('[ ]')
    expect(topLevelMember('{"allow":true}', 'allow').text).toBe('true')
  })

  it('reports absent members and non-objects exactly, and asks for a parse when keys are escaped', () => {
    expect(topLevelMember('{"allow":true}', 'reasons')).toEqual({ found: false, exact: true })
    expect(topLevelMember('[1,2]', 'reasons')).toEqual({ found: false, exact: true })
    expect(topLevelMember('{"re\\u0061sons":[]}', 'reasons').exact).toBe(false)
  })
})
