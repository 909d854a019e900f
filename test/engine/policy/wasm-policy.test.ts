import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildBundle } from '../../../engine/build/build-bundle.js'
import { loadBundleFromPath } from '../../../engine/bundle/index.js'
import { ClearanceError } from '../../../engine/errors.js'
import { encodeJson, parseJson } from '../../../engine/json/json-codec.js'
import { loadWasmPolicy, type WasmPolicy } from '../../../engine/policy/wasm-policy.js'
import { buildFixture, tempDir } from '../../helpers/fixtures.js'

describe('wasm policy memory guard', () => {
  let policy: WasmPolicy
  let id: number

  beforeAll(async () => {
    const bundle = await loadBundleFromPath('hog', await buildFixture('memory-hog'))
    policy = await loadWasmPolicy(bundle.modules[0]!.bytes, encodeJson({}), {
      initialMemoryPages: 16,
      maxMemoryPages: 256,
    })
    id = policy.entrypoints.get('hog/size')!
  })

  it('evaluates within the memory limit', () => {
    expect(policy.evaluate(id, encodeJson({ n: 1000 }))).toBe('[{"result":1000}]')
  })

  it('fails an evaluation that needs more memory than the limit with evaluation_error, and keeps serving', () => {
    let error: unknown
    try {
      policy.evaluate(id, encodeJson({ n: 10_000_000 }))
    } catch (thrown) {
      error = thrown
    }
    expect(error).toBeInstanceOf(ClearanceError)
    expect((error as ClearanceError).code).toBe('evaluation_error')
    expect(policy.evaluate(id, encodeJson({ n: 10 }))).toBe('[{"result":10}]')
  })
})

// Rego sets reach JSON as arrays; OPA writes their elements sorted in Rego's value order, and so must Clearance.
const ORDER_POLICY = String.raw`package order

# METADATA
# entrypoint: true
sets := {
	"strings": {"b", "a", "é", "z", "A", "aa", "😀", "\uffff"},
	"numbers": {10, 9, 1.5, -1, 0, 12345678901234567890, -0.5},
	"mixed": {null, true, false, 1, "x", [1], {"k": 1}, {2}, set()},
	"nested": {{3, 1}, {2}, set(), {1, 2}},
	"objects": {{"b": 1}, {"a": 2}, {"a": 1, "b": 0}, {"a": 1}},
	"arrays": {[2], [1, 2], [1], []},
	"in_array": [{"z", "y"}, set()],
	"keys": object.keys({"q": 1, "p": 2, "r": 3}),
	"comprehension": {x | some x in input.items},
}

# METADATA
# entrypoint: true
non_string_keys := {1: "one", [2, 1]: "two", {"b", "a"}: "three", "s": {"y", "x"}}

# METADATA
# entrypoint: true
plain := {
	"escapes": ["a\"b", "back\\slash", "tab\tnew\nline\u0001", "sep, arated: text", "{brace", "set()", "(paren"],
	"unicode": "héllo ✓ 😀",
	"empty": {"object": {}, "array": [], "string": ""},
	"numbers": [0, -1, 1.5, 0.1, 1e100, 12345678901234567890, -2.5e-7],
	"literals": [true, false, null],
	"nested": [[[{"a": [{"b": {}}]}]]],
	"input": input,
}

# METADATA
# entrypoint: true
empty_set := set()

# METADATA
# entrypoint: true
empty_sets := {"deny": set(), "nested": [set(), {"a": set(), "b": "set()"}]}

# METADATA
# entrypoint: true
nothing if false
`

describe('wasm policy result text', () => {
  let policy: WasmPolicy
  const input = encodeJson({ items: ['c', 'a', 'b'], s: 'x, y: {z' })
  const evaluate = (name: string): string => policy.evaluate(policy.entrypoints.get(`order/${name}`)!, input)

  beforeAll(async () => {
    const source = await mkdtemp(join(await tempDir(), 'order-'))
    await mkdir(join(source, 'order'))
    await writeFile(join(source, 'order', 'order.rego'), ORDER_POLICY)
    const output = join(source, 'order.tar.gz')
    await buildBundle({ source, output, revision: 'rev-order' })
    const bundle = await loadBundleFromPath('order', output)
    policy = await loadWasmPolicy(bundle.modules[0]!.bytes, encodeJson({}))
  })

  it('lists set elements in the order OPA writes them, at any depth', () => {
    // The expected orders are what `opa eval --format json` prints for the same policy.
    expect(parseJson(evaluate('sets'))).toEqual([
      {
        result: {
          arrays: [[], [1], [1, 2], [2]],
          comprehension: ['a', 'b', 'c'],
          in_array: [['y', 'z'], []],
          keys: ['p', 'q', 'r'],
          mixed: [null, false, true, 1, 'x', [1], { k: 1 }, [], [2]],
          nested: [[], [1, 2], [1, 3], [2]],
          numbers: [-1, -0.5, 0, 1.5, 9, 10, 12345678901234567890n],
          objects: [{ a: 1 }, { a: 1, b: 0 }, { a: 2 }, { b: 1 }],
          strings: ['A', 'a', 'aa', 'b', 'z', 'é', '\uffff', '😀'],
        },
      },
    ])
  })

  it('writes a non-string object key as the string of its JSON, sets sorted', () => {
    expect(JSON.parse(evaluate('non_string_keys'))).toEqual([
      { result: { '1': 'one', '[2,1]': 'two', '["a","b"]': 'three', s: ['x', 'y'] } },
    ])
  })

  it('writes a result without sets exactly as the module writes plain JSON', () => {
    expect(evaluate('plain')).toBe(
      String.raw`[{"result":{"escapes":["a\"b","back\\slash","tab\tnew\nline\u0001","sep, arated: text","{brace","set()","(paren"],"empty":{"array":[],"object":{},"string":""},"nested":[[[{"a":[{"b":{}}]}]]],"literals":[true,false,null],"unicode":"héllo ✓ 😀","numbers":[0,-1,1.5,0.1,1e100,12345678901234567890,-2.5e-7],"input":{"items":["c","a","b"],"s":"x, y: {z"}}}]`,
    )
  })

  it('writes an empty set as an empty array and an undefined result as no rows', () => {
    expect(evaluate('empty_set')).toBe('[{"result":[]}]')
    expect(parseJson(evaluate('empty_sets'))).toEqual([
      { result: { deny: [], nested: [[], { a: [], b: 'set()' }] } },
    ])
    expect(evaluate('nothing')).toBe('[]')
  })

  it('gives the same text on every evaluation of the same instance', () => {
    const first = evaluate('sets')
    for (let i = 0; i < 5; i++) {
      expect(evaluate('plain')).toContain('"sep, arated: text"')
      expect(evaluate('sets')).toBe(first)
    }
  })
})
