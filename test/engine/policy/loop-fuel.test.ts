import { beforeAll, describe, expect, it } from 'vitest'
import { type Bundle, loadBundleFromPath } from '../../../engine/bundle/index.js'
import { encodeJson } from '../../../engine/json/json-codec.js'
import { FUEL_EXPORT, meterLoops } from '../../../engine/policy/loop-fuel.js'
import { FuelExhausted, loadWasmPolicy } from '../../../engine/policy/wasm-policy.js'
import { buildFixture } from '../../helpers/fixtures.js'

const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]
/** A module with one exported function `f` of type () -> () whose body (after its locals) is `code`. */
function moduleWith(code: number[]): Uint8Array<ArrayBuffer> {
  const body = [0x00, ...code]
  return Uint8Array.from([
    ...header,
    ...[0x01, 0x04, 0x01, 0x60, 0x00, 0x00], // type: () -> ()
    ...[0x03, 0x02, 0x01, 0x00], // function 0 has type 0
    ...[0x06, 0x06, 0x01, 0x7f, 0x00, 0x41, 0x00, 0x0b], // one immutable i32 global
    ...[0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00], // export "f" = function 0
    ...[0x0a, body.length + 2, 0x01, body.length, ...body],
  ])
}

describe('metering a module’s loops', () => {
  let bundle: Bundle
  beforeAll(async () => {
    bundle = await loadBundleFromPath('slow', await buildFixture('slow-loop'))
  })

  it('stops a loop that never ends once its fuel is spent, and leaves a loop-free module as it was', async () => {
    // (func (export "f") (loop (br 0))): forever, unmetered
    const metered = meterLoops(moduleWith([0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b]))
    expect(metered).toBeDefined()
    const { instance } = await WebAssembly.instantiate(metered!)
    const fuel = instance.exports[FUEL_EXPORT] as WebAssembly.Global
    fuel.value = 1000
    expect(() => (instance.exports.f as () => void)()).toThrow(WebAssembly.RuntimeError)
    expect(fuel.value).toBe(0)
    const plain = moduleWith([0x01, 0x0b]) // nop
    expect(WebAssembly.validate(meterLoops(plain)!)).toBe(true)
  })

  it('leaves unmetered (undefined) a module with an instruction it does not know', () => {
    // v128.const 0 (a SIMD instruction), drop
    const simd = moduleWith([0xfd, 0x0c, ...new Array(16).fill(0), 0x1a, 0x0b])
    expect(WebAssembly.validate(simd)).toBe(true)
    expect(meterLoops(simd)).toBeUndefined()
  })

  it('gives an OPA policy the same answers, errors included, and stops an evaluation that runs out of fuel', async () => {
    const wasm = bundle.modules[0]!.bytes
    const metered = meterLoops(wasm)
    expect(metered).toBeDefined()
    const plain = await loadWasmPolicy(wasm, encodeJson({}))
    const fuelled = await loadWasmPolicy(metered!, encodeJson({}), { fuel: 50_000 })
    const id = (name: string): number => plain.entrypoints.get(`slow/${name}`)!
    const cases: Array<[string, unknown]> = [
      ['pairs', { n: 30 }],
      ['echo', { nested: [1, 'two', { three: 3 }] }],
      ['hog', { n: 500 }],
      ['echo', false],
    ]
    for (const [name, input] of cases) {
      expect(fuelled.evaluate(id(name), encodeJson(input))).toBe(plain.evaluate(id(name), encodeJson(input)))
    }
    const conflict = (policy: typeof plain): unknown => {
      try {
        return policy.evaluate(id('conflict'), encodeJson({ values: [1, 2] }))
      } catch (thrown) {
        return (thrown as Error).message
      }
    }
    expect(conflict(fuelled)).toBe(conflict(plain))
    // 16 million iterations: seconds unmetered
    const started = performance.now()
    expect(() => fuelled.evaluate(id('pairs'), encodeJson({ n: 4000 }))).toThrow(FuelExhausted)
    expect(performance.now() - started).toBeLessThan(1000)
    // the instance goes on: each evaluation starts OPA's heap over, and the host puts the globals back (the C
    // stack pointer: without that, each stop leaks the frames it skipped, and the stack runs out after some
    // thousand or two: ~32 bytes a stop here, 64 KiB of stack)
    const small = await loadWasmPolicy(metered!, encodeJson({}), { fuel: 2_000 })
    for (let stop = 0; stop < 3_000; stop++) {
      expect(() => small.evaluate(id('pairs'), encodeJson({ n: 4000 }))).toThrow(FuelExhausted)
    }
    expect(small.evaluate(id('pairs'), encodeJson({ n: 10 }))).toBe('[{"result":true}]')
    expect(fuelled.evaluate(id('pairs'), encodeJson({ n: 30 }))).toBe('[{"result":true}]')
    expect(fuelled.evaluate(id('echo'), encodeJson({ a: 1 }))).toBe('[{"result":{"a":1}}]')
  })
})
