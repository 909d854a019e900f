import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildBundle } from '../../../engine/build/build-bundle.js'
import { loadBundleFromPath } from '../../../engine/bundle/index.js'
import { encodeJson, parseJson } from '../../../engine/json/json-codec.js'
import { meterLoops } from '../../../engine/policy/loop-fuel.js'
import { tableMemo } from '../../../engine/policy/memo-table.js'
import { loadWasmPolicy, type WasmPolicy } from '../../../engine/policy/wasm-policy.js'
import { tempDir } from '../../helpers/fixtures.js'

// Rules referenced several times, under `with` (each `with` evaluates under a memo frame of its own, pushed and
// popped), nested `with`, data replaced by `with`, undefined and defaulted rules, partial sets.
const MEMO_POLICY = String.raw`package memo

# METADATA
# entrypoint: true
result := {
	"doubled": before,
	"under_with": under_with,
	"nested": nested_value,
	"after": doubled,
	"data_with": data_with,
	"scaled": scaled,
	"flag": flag_text,
	"count": count(items),
	"twice": [doubled, doubled, scaled, scaled],
} if {
	before := doubled
	under_with := doubled with input.n as 10
	nested_value := nested with input.n as 3
	data_with := scaled with data.memo.factor as 5
}

doubled := input.n * 2

nested := [doubled, inner] if {
	inner := doubled with input.n as 7
}

scaled := input.n * data.memo.factor

default flag_text := "unset"

flag_text := "set" if input.flag

items contains x if {
	some x in input.items
}

# METADATA
# entrypoint: true
maybe := doubled if input.n > 1

# A rule that evaluates under \`with\`, then one referenced after it returned: back in the outer frame.

# METADATA
# entrypoint: true
sequence := [with_rule, doubled, with_rule, scaled]

with_rule := x if {
	x := doubled with input.n as 10
}
`

describe('the memoization table as an array (memo-table.ts)', () => {
  let wasm: Uint8Array
  const load = (memoTable: boolean, module = wasm): Promise<WasmPolicy> =>
    loadWasmPolicy(module, encodeJson({ memo: { factor: 3 } }), { memoTable })

  beforeAll(async () => {
    const source = await mkdtemp(join(await tempDir(), 'memo-'))
    await mkdir(join(source, 'memo'))
    await writeFile(join(source, 'memo', 'memo.rego'), MEMO_POLICY)
    const output = join(source, 'memo.tar.gz')
    await buildBundle({ source, output, revision: 'rev-memo' })
    wasm = (await loadBundleFromPath('memo', output)).modules[0]!.bytes
  })

  it('rewrites an OPA module, and leaves alone a module without OPA’s memoization functions', () => {
    const rewritten = tableMemo(wasm)
    expect(rewritten).toBeDefined()
    expect(WebAssembly.validate(rewritten!)).toBe(true)
    // (module (func (export "f"))): no names, nothing to replace
    const bare = Uint8Array.from([
      ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
      ...[0x01, 0x04, 0x01, 0x60, 0x00, 0x00],
      ...[0x03, 0x02, 0x01, 0x00],
      ...[0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00],
      ...[0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b],
    ])
    expect(tableMemo(bare)).toBeUndefined()
  })

  it('answers as OPA’s own table does, under `with` and nested `with` too', async () => {
    const table = await load(true)
    const hash = await load(false)
    const id = (name: string): number => table.entrypoints.get(`memo/${name}`)!
    const inputs = [{ n: 2, items: [1, 2, 2], flag: true }, { n: 1, items: [] }, { n: 'x' }, {}]
    for (const input of inputs) {
      for (const name of ['result', 'maybe', 'sequence']) {
        expect(table.evaluate(id(name), encodeJson(input))).toBe(hash.evaluate(id(name), encodeJson(input)))
      }
    }
    expect(parseJson(table.evaluate(id('result'), encodeJson(inputs[0])))).toEqual([
      {
        result: {
          doubled: 4,
          under_with: 20,
          nested: [6, 14],
          after: 4,
          data_with: 10,
          scaled: 6,
          flag: 'set',
          count: 2,
          twice: [4, 4, 6, 6],
        },
      },
    ])
    expect(table.evaluate(id('sequence'), encodeJson(inputs[0]))).toBe('[{"result":[20,4,20,6]}]')
    // each evaluation starts with an empty table
    expect(table.evaluate(id('maybe'), encodeJson({ n: 1 }))).toBe('[]')
    expect(table.evaluate(id('maybe'), encodeJson({ n: 5 }))).toBe('[{"result":10}]')
    // the metered module (the serving thread's) is rewritten too, with the same answers
    expect(tableMemo(meterLoops(wasm)!)).toBeDefined()
    const metered = await loadWasmPolicy(meterLoops(wasm)!, encodeJson({ memo: { factor: 3 } }), {
      fuel: 100_000,
    })
    expect(metered.evaluate(id('result'), encodeJson(inputs[0]))).toBe(
      hash.evaluate(id('result'), encodeJson(inputs[0])),
    )
  })

  it('reuses a popped frame: `with` inside a long iteration needs no more memory than OPA’s table', async () => {
    // 400 memoized rules make every frame 1.6 KB; a `with` at each of 20,000 turns took a new frame each time
    // (over 64 MiB) before popped frames were kept for the next push. OPA's table needs 32 MiB here.
    const rules = Array.from({ length: 400 }, (_, k) => `r${k} := input.n + ${k}`)
    const rego = [
      'package loop',
      '',
      '# METADATA',
      '# entrypoint: true',
      'result := count([x | some i in numbers.range(1, input.count); x := r0 with input.n as i])',
      '',
      `uses := [${rules.map((_, k) => `r${k}`).join(', ')}]`,
      ...rules,
    ].join('\n')
    const source = await mkdtemp(join(await tempDir(), 'memo-loop-'))
    await mkdir(join(source, 'loop'))
    await writeFile(join(source, 'loop', 'loop.rego'), `${rego}\n`)
    const output = join(source, 'loop.tar.gz')
    await buildBundle({ source, output, revision: 'rev-loop' })
    const module = (await loadBundleFromPath('loop', output)).modules[0]!.bytes
    const evaluate = async (memoTable: boolean, maxMemoryPages: number): Promise<string> => {
      const policy = await loadWasmPolicy(module, encodeJson({}), {
        memoTable,
        initialMemoryPages: 4,
        maxMemoryPages,
      })
      return policy.evaluate(policy.entrypoints.get('loop/result')!, encodeJson({ count: 20_000 }))
    }
    expect(tableMemo(module)).toBeDefined()
    expect(await evaluate(false, 512)).toBe('[{"result":20000}]')
    // 16 MiB, half of what OPA's table takes
    expect(await evaluate(true, 256)).toBe('[{"result":20000}]')
  })

  it('answers every scenario of the policy library as OPA’s own table does', async () => {
    const source = join(import.meta.dirname, '..', '..', '..', 'policies')
    const output = join(await tempDir(), 'memo-library.tar.gz')
    await buildBundle({ source, output, revision: 'rev-library' })
    const bundle = await loadBundleFromPath('library', output)
    // the library's module is one the rewrite takes (not left as built, which would compare OPA's table to itself)
    expect(tableMemo(bundle.modules[0]!.bytes)).toBeDefined()
    const data = bundle.dataJson ?? encodeJson(bundle.data)
    const table = await loadWasmPolicy(bundle.modules[0]!.bytes, data)
    const hash = await loadWasmPolicy(bundle.modules[0]!.bytes, data, { memoTable: false })
    const { scenarios } = JSON.parse(readFileSync(join(source, 'scenarios.json'), 'utf8')) as {
      scenarios: Array<{ input: unknown }>
    }
    expect(scenarios.length).toBeGreaterThan(50)
    for (const path of ['clearance/authz/decision', 'clearance/authz/allow']) {
      const id = table.entrypoints.get(path)!
      for (const { input } of scenarios) {
        expect(table.evaluate(id, encodeJson(input))).toBe(hash.evaluate(id, encodeJson(input)))
      }
    }
  })
})
