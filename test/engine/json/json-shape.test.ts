import { describe, expect, it } from 'vitest'
import { ClearanceError } from '../../../engine/errors.js'
import { assertJsonShape } from '../../../engine/json/json-shape.js'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
const limits = { maxDepth: 3, maxElements: 5 }

describe('assertJsonShape', () => {
  it('accepts JSON within both limits', () => {
    expect(() => assertJsonShape(bytes('{"a":[1,2],"b":{"c":3}}'), limits)).not.toThrow()
  })

  it('refuses nesting past the depth limit', () => {
    expect(() => assertJsonShape(bytes('[[[[1]]]]'), limits)).toThrow(ClearanceError)
  })

  it('refuses more values than the element limit', () => {
    expect(() => assertJsonShape(bytes('[1,2,3,4,5,6,7]'), limits)).toThrow(/more than the limit of 5/)
  })

  it('ignores brackets, commas and escaped quotes inside strings', () => {
    expect(() => assertJsonShape(bytes('{"s":"[[[[,,,,,,\\"[[[["}'), limits)).not.toThrow()
  })
})
