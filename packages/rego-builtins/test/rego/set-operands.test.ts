import { describe, expect, it } from 'vitest'
import { castBuiltins } from '../../src/rego/casts.js'
import { graphBuiltins } from '../../src/rego/graph.js'
import { jsonBuiltins } from '../../src/rego/json.js'
import { netBuiltins } from '../../src/rego/net.js'
import { RegoSet } from '../../src/values/rego-set.js'
import { compareValues, valuesEqual } from '../../src/values/value-order.js'
import { builtinCaller, decodeResult } from '../helpers/call-builtin.js'

// Sets reach builtins as RegoSet through the value bridge; these calls hand them over as the bridge does (no JSON
// round trip), and read results raw from the family tables where the set-ness of the result matters.
const set = (...items: unknown[]): RegoSet => RegoSet.ofSorted(items)
const { builtins } = builtinCaller()
const strict = builtinCaller({ strictBuiltinErrors: true }).builtins

function call(name: string, ...args: unknown[]): unknown {
  const impl = builtins[name]
  if (impl === undefined) throw new Error(`no host builtin ${name}`)
  return decodeResult(impl(...args))
}

function failure(name: string, ...args: unknown[]): string {
  try {
    strict[name]?.(...args)
  } catch (error) {
    return (error as Error).message
  }
  return 'no error'
}

const patch = (doc: unknown, ...ops: object[]) => jsonBuiltins()['json.patch']?.(doc, ops)

describe('value order with sets', () => {
  it('orders sets after objects and never equal to the array of their elements', () => {
    expect(compareValues({ a: 1 }, set(1))).toBe(-1)
    expect(compareValues(set(1, 2), set(1, 3))).toBe(-1)
    expect(valuesEqual(set(1, 2), [1, 2])).toBe(false)
    expect(valuesEqual(set(1, 2), set(1, 2))).toBe(true)
  })
})

describe('object.subset on sets', () => {
  it('tests membership when both sides are sets', () => {
    expect(call('object.subset', set(1, 2, 3, 4), set(1, 4))).toBe(true)
    expect(call('object.subset', set(1, 2, 3), set(1, 5))).toBe(false)
    expect(call('object.subset', set(1), set())).toBe(true)
  })

  it('compares sets nested in objects as sets and a set with an array as unequal', () => {
    expect(call('object.subset', { a: { b: set(1, 2, 3, 4) } }, { a: { b: set(1, 4) } })).toBe(true)
    expect(call('object.subset', { a: [1, 2, 3, 4] }, { a: set(1, 2) })).toBe(false)
    expect(call('object.subset', { a: set(1, 2) }, { a: [1, 2] })).toBe(false)
  })

  it('finds a set in an array the way OPA counts it', () => {
    expect(call('object.subset', [3, 1, 2], set(1, 2))).toBe(true)
    expect(call('object.subset', [3, 1], set(1, 2))).toBe(false)
    // OPA counts the array's matching items, so a repeated item stands in for a missing one.
    expect(call('object.subset', [1, 1], set(1, 2))).toBe(true)
    expect(call('object.subset', [7], set())).toBe(true)
    expect(call('object.subset', [], set())).toBe(false)
  })

  it('rejects a set holding an array', () => {
    expect(failure('object.subset', set(1, 2), [1])).toContain(
      'both arguments object.subset must be of the same type or array and set',
    )
  })
})

describe('json.patch on sets', () => {
  it('adds, removes and moves set members addressed by value, keeping sets', () => {
    const removed = patch({ foo: set('a', 'b', 'c') }, { op: 'remove', path: 'foo/b' }) as { foo: unknown }
    expect(removed.foo).toBeInstanceOf(RegoSet)
    expect(removed.foo).toEqual(['a', 'c'])
    expect(patch({ foo: set('a', 'c') }, { op: 'add', path: '/foo/b', value: 'b' })).toEqual({
      foo: set('a', 'b', 'c'),
    })
    expect(
      patch({ foo: set('a', 'b'), bar: set('c', 'd') }, { op: 'move', from: 'foo/a', path: 'bar/a' }),
    ).toEqual({ foo: set('b'), bar: set('a', 'c', 'd') })
  })

  it('edits inside a composite member and re-sorts the set', () => {
    const out = patch(set('x', [1]), { op: 'add', path: [[1], 1], value: 2 }) as unknown[]
    expect(out).toBeInstanceOf(RegoSet)
    expect(out).toEqual(['x', [1, 2]])
    expect(patch(set([5], [6, 0]), { op: 'remove', path: [[6, 0], 0] })).toEqual([[0], [5]])
    // As in OPA's edit tree, the member is renamed by the removal, so replace cannot find it to insert.
    expect(call('json.patch', set([0]), [{ op: 'replace', path: [[0], 0], value: 9 }])).toBeUndefined()
  })

  it('fails when a member is missing or added under another value', () => {
    expect(call('json.patch', { foo: set('a') }, [{ op: 'add', path: 'foo/d', value: 'e' }])).toBeUndefined()
    expect(call('json.patch', { foo: set('a') }, [{ op: 'remove', path: 'foo/b' }])).toBeUndefined()
    expect(call('json.patch', { foo: set('a') }, [{ op: 'add', path: 'foo/b/c', value: 1 }])).toBeUndefined()
  })

  it('tests set values as sets', () => {
    expect(call('json.patch', { s: set(1, 2) }, [{ op: 'test', path: 's', value: set(1, 2) }])).toEqual({
      s: [1, 2],
    })
    expect(call('json.patch', { s: set(1, 2) }, [{ op: 'test', path: 's', value: [1, 2] }])).toBeUndefined()
  })

  it('takes patches and paths as arrays only, as OPA does', () => {
    expect(failure('json.patch', {}, set({ op: 'add', path: '/a', value: 1 }))).toContain(
      'operand 2 must be array but got set',
    )
    expect(call('json.patch', { a: 1 }, [{ op: 'remove', path: set('a') }])).toBeUndefined()
  })

  it('leaves its input unchanged', () => {
    const doc = { a: [1, { b: 2 }], s: set('x') }
    patch(doc, { op: 'add', path: '/a/1/c', value: 3 }, { op: 'remove', path: '/s/x' })
    expect(doc).toEqual({ a: [1, { b: 2 }], s: set('x') })
  })
})

describe('net.cidr_contains_matches on sets', () => {
  const matches = netBuiltins()['net.cidr_contains_matches']

  it('names a set element by itself, not by an index', () => {
    expect(
      call('net.cidr_contains_matches', set('1.1.0.0/16', '1.1.1.0/24'), set('1.1.1.128', '2.2.2.2')),
    ).toEqual([
      ['1.1.0.0/16', '1.1.1.128'],
      ['1.1.1.0/24', '1.1.1.128'],
    ])
    const tuple = ['1.1.1.0/24', 'label']
    expect(call('net.cidr_contains_matches', set(tuple), ['1.1.1.9'])).toEqual([[tuple, 0]])
  })

  it('takes a set as a collection of CIDRs, not as a [cidr, …] tuple', () => {
    expect(call('net.cidr_contains_matches', { x: set('1.1.1.0/24') }, '1.1.1.1')).toBeUndefined()
  })

  it('returns a set', () => {
    expect(matches?.(['10.0.0.0/8'], '10.1.1.1')).toBeInstanceOf(RegoSet)
  })
})

describe('sets in Rego text', () => {
  it('prints a set as Rego does in sprintf', () => {
    expect(call('sprintf', '%v|%v|%v', [set(1, 2, 'a'), set(), { k: set([1]) }])).toBe(
      '{1, 2, "a"}|set()|{"k": {[1]}}',
    )
  })
})

describe('builtins whose OPA result is a set', () => {
  it('return RegoSets sorted in OPA order', () => {
    const net = netBuiltins()
    expect(net['net.cidr_expand']?.('10.0.0.0/31')).toStrictEqual(set('10.0.0.0', '10.0.0.1'))
    expect(net['net.cidr_merge']?.(set('10.0.1.0/24', '10.0.0.0/24'))).toStrictEqual(set('10.0.0.0/23'))
    expect(castBuiltins().cast_set?.([2, 'a', 1, 2])).toStrictEqual(set(1, 2, 'a'))
    const paths = graphBuiltins()['graph.reachable_paths']?.({ a: set('b'), b: [] }, set('a'))
    expect(paths).toStrictEqual(set(['a', 'b']))
  })

  it('cast_array turns a set into a plain array of its elements', () => {
    const out = castBuiltins().cast_array?.(set(1, 2))
    expect(out).not.toBeInstanceOf(RegoSet)
    expect(out).toEqual([1, 2])
  })
})
