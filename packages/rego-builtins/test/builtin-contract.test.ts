import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { beginEvaluation, createBuiltins, hostBuiltinNames, opaWasmBuiltinNames } from '../src/index.js'
import { builtinCaller, decodeResult } from './helpers/call-builtin.js'

describe('host builtin contract', () => {
  it('makes a failing builtin undefined by default, like OPA without strict builtin errors', () => {
    const call = builtinCaller()
    expect(call('time.parse_rfc3339_ns', 'not a time')).toBeUndefined()
    expect(call('units.parse', 'ten')).toBeUndefined()
  })

  it('fails the call with the builtin name in the message when builtin errors are strict', () => {
    const call = builtinCaller({ strictBuiltinErrors: true })
    expect(() => call('time.parse_duration_ns', 'soon')).toThrow(
      /^eval_builtin_error: time\.parse_duration_ns: time: invalid duration "soon"/,
    )
  })

  it('returns integers beyond 2^53 exactly, as JSON text opa-wasm hands to the module unchanged', () => {
    const { builtins } = builtinCaller()
    const raw = builtins['time.parse_rfc3339_ns']?.('2262-04-11T23:47:16.854775807Z')
    expect(raw).toBeInstanceOf(ArrayBuffer)
    expect(new TextDecoder().decode(raw as ArrayBuffer)).toBe('9223372036854775807')
    expect(decodeResult(raw)).toBe(9223372036854775807n)
  })

  it('keeps time.now_ns fixed within one evaluation and reads the clock again for the next', async () => {
    let ticks = 0n
    const call = builtinCaller({ clock: () => ++ticks })
    expect(call('time.now_ns')).toBe(1)
    expect(call('time.now_ns')).toBe(1)
    await Promise.resolve()
    expect(call('time.now_ns')).toBe(2)
    beginEvaluation(call.builtins)
    expect(call('time.now_ns')).toBe(3)
  })

  it('caches rand.intn per evaluation and argument pair, as OPA does', async () => {
    const call = builtinCaller()
    const first = call('rand.intn', 'seed', 1_000_000)
    expect(call('rand.intn', 'seed', 1_000_000)).toBe(first)
    expect(call('rand.intn', 'seed', 0)).toBe(0)
    expect(call('rand.intn', 'x', -3)).toBeLessThan(3)
  })

  it("replaces opa-wasm's own sprintf, regex.split and yaml.* with Go-exact versions, process-wide", () => {
    createBuiltins()
    expect(opaWasmBuiltinNames()).toEqual(
      expect.arrayContaining(['sprintf', 'regex.split', 'yaml.unmarshal']),
    )
    const require = createRequire(import.meta.url)
    const entry = require.resolve('@open-policy-agent/opa-wasm')
    const table = require(join(dirname(entry), 'builtins', 'index.js')) as Record<
      string,
      (...a: unknown[]) => unknown
    >
    expect(decodeResult(table.sprintf?.('%v|%q', [[1, 'a'], 'b']))).toBe('[1, "a"]|"b"')
    expect(decodeResult(table['regex.split']?.('(,)', 'a,b'))).toEqual(['a', 'b'])
    expect(hostBuiltinNames()).toEqual(
      expect.arrayContaining(['sprintf', 'regex.split', 'io.jwt.decode_verify']),
    )
  })

  it('does not supply builtins that reach the network', () => {
    expect(hostBuiltinNames()).not.toContain('http.send')
    expect(hostBuiltinNames()).not.toContain('net.lookup_ip_addr')
  })

  it('sends print() lines to the configured hook, one per combination of set elements', () => {
    const lines: string[] = []
    const call = builtinCaller({ print: (line) => lines.push(line) })
    expect(call('internal.print', [['x'], [1, 2], []])).toBeUndefined()
    expect(lines).toEqual(['x 1 <undefined>', 'x 2 <undefined>'])
  })

  it('answers opa.runtime() with what the host configured', () => {
    expect(builtinCaller()('opa.runtime')).toEqual({})
    expect(builtinCaller({ runtime: { version: 'x' } })('opa.runtime')).toEqual({ version: 'x' })
  })
})
