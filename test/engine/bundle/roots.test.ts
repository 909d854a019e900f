import { describe, expect, it } from 'vitest'
import {
  assertDisjointRoots,
  dataUnderRoots,
  isUnderRoot,
  rootsOverlap,
} from '../../../engine/bundle/roots.js'

describe('roots', () => {
  it('treats a root as owning itself and what lies under it, segment by segment', () => {
    expect(isUnderRoot('a/b', 'a')).toBe(true)
    expect(isUnderRoot('a', 'a')).toBe(true)
    expect(isUnderRoot('ab', 'a')).toBe(false)
    expect(isUnderRoot('anything', '')).toBe(true)
  })

  it('finds overlap in either direction', () => {
    expect(rootsOverlap('a', 'a/b')).toBe(true)
    expect(rootsOverlap('a/b', 'a')).toBe(true)
    expect(rootsOverlap('a', 'b')).toBe(false)
    expect(rootsOverlap('', 'b')).toBe(true)
  })

  it('names both bundles when their roots overlap', () => {
    expect(() =>
      assertDisjointRoots([
        { name: 'payments', roots: ['shop/payments'] },
        { name: 'shop', roots: ['shop'] },
      ]),
    ).toThrow(/"payments" and "shop"/)
    expect(() =>
      assertDisjointRoots([
        { name: 'a', roots: ['a'] },
        { name: 'b', roots: ['b'] },
      ]),
    ).not.toThrow()
  })
})

describe('dataUnderRoots', () => {
  const merged = { shop: { catalog: { a: 1 }, grants: [1] }, people: { alice: {} }, other: true }

  it('takes back the part of a merged document a bundle owns', () => {
    expect(dataUnderRoots(merged, ['shop/catalog', 'people'])).toEqual({
      shop: { catalog: { a: 1 } },
      people: { alice: {} },
    })
    expect(dataUnderRoots(merged, ['shop/grants'])).toEqual({ shop: { grants: [1] } })
  })

  it('gives the whole document to the empty root, and nothing for roots without data', () => {
    expect(dataUnderRoots(merged, [''])).toBe(merged)
    expect(dataUnderRoots(merged, ['missing/deep'])).toEqual({})
  })
})
