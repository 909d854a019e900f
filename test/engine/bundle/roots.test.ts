import { describe, expect, it } from 'vitest'
import { assertDisjointRoots, isUnderRoot, rootsOverlap } from '../../../engine/bundle/roots.js'

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
