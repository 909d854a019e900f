// Calls a host builtin the way opa-wasm does (arguments as decoded JSON) and decodes its answer the way the
// wasm module would read it: undefined for no result, JSON text (an ArrayBuffer) otherwise.

import { type Builtin, type BuiltinOptions, createBuiltins } from '../../src/index.js'
import { parseJson } from '../../src/values/index.js'

const decoder = new TextDecoder()

export type BuiltinCaller = (name: string, ...args: unknown[]) => unknown

export function decodeResult(result: unknown): unknown {
  if (result === undefined) return undefined
  if (result instanceof ArrayBuffer) return parseJson(decoder.decode(result))
  return result
}

export function builtinCaller(
  options: BuiltinOptions = {},
): BuiltinCaller & { builtins: Record<string, Builtin> } {
  const builtins = createBuiltins(options)
  const call = (name: string, ...args: unknown[]): unknown => {
    const impl = builtins[name]
    if (impl === undefined) throw new Error(`no host builtin ${name}`)
    // Arguments cross a JSON boundary in opa-wasm; mirror it so tests see what builtins really receive.
    return decodeResult(impl(...(JSON.parse(JSON.stringify(args)) as unknown[])))
  }
  return Object.assign(call, { builtins })
}
