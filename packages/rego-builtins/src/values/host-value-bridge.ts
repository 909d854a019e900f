// How host builtins see Rego values exactly. opa-wasm hands a builtin its arguments through opa_json_dump and
// JSON.parse, which turns sets into arrays and rounds integers beyond 2^53; and it loads the result through
// opa_json_parse, which cannot make a set. The bridge gives an instance's opa-wasm wrapper its own view of the
// module's exports: an argument is dumped with opa_value_dump (sets and digits intact), read into a host value,
// and queued for the builtin, while opa-wasm parses a placeholder; a result holding a set is written as Rego value
// text and loaded with opa_value_parse. opa-wasm itself is unchanged; it only reads `instance.exports` at call time.
import { OutOfRangeNumber } from './out-of-range-number.js'
import { holdsSet, RegoSet } from './rego-set.js'
import { hostValueFromDump } from './set-order.js'

const pending: unknown[] = []
let resultIsValueText = false
const decoder = new TextDecoder()
const PLACEHOLDER = [0x30, 0] // "0" and the terminating NUL

// The parts of a WebAssembly instance and memory the bridge uses, written out so that the package's types need no
// DOM library.
interface WasmMemory {
  readonly buffer: ArrayBuffer
}

interface WasmInstance {
  readonly exports: object
}

interface BridgedExports {
  opa_value_dump(addr: number): number
  opa_value_parse(addr: number, len: number): number
  opa_json_dump(addr: number): number
  opa_json_parse(addr: number, len: number): number
}

function readCString(memory: WasmMemory, addr: number): string {
  const bytes = new Uint8Array(memory.buffer)
  const end = bytes.indexOf(0, addr)
  return decoder.decode(bytes.subarray(addr, end))
}

/**
 * Installs the bridge on one instance (again after each re-instantiation). Only for Clearance's own builtins,
 * which take their arguments from the bridge (takeBridgedArguments).
 */
export function bridgeHostValues(instance: WasmInstance, memory: WasmMemory): void {
  const real = instance.exports as BridgedExports
  const exports: Record<string, unknown> = { ...real }
  exports.opa_json_dump = (addr: number): number => {
    const dumped = real.opa_value_dump(addr)
    pending.push(hostValueFromDump(readCString(memory, dumped)))
    // Every dump is at least one character and its NUL: room for the placeholder opa-wasm will parse.
    new Uint8Array(memory.buffer).set(PLACEHOLDER, dumped)
    return dumped
  }
  exports.opa_json_parse = (addr: number, len: number): number => {
    if (!resultIsValueText) return real.opa_json_parse(addr, len)
    resultIsValueText = false
    return real.opa_value_parse(addr, len)
  }
  Object.defineProperty(instance, 'exports', { value: Object.freeze(exports), configurable: true })
}

/**
 * The arguments of the builtin call in progress as the bridge read them, and whether they came through it; `given`
 * when the call did not come through the bridge (a direct call, a test harness, an instance without it).
 */
export function takeBridgedArguments(given: unknown[]): { args: unknown[]; bridged: boolean } {
  resultIsValueText = false
  if (pending.length === 0) return { args: given, bridged: given.length === 0 }
  const args = pending.splice(0, pending.length)
  // In a bridged instance `given` holds placeholders: a count that disagrees must fail the evaluation, never
  // run the builtin on zeros.
  if (args.length !== given.length) {
    throw new Error(`builtin received ${given.length} arguments but ${args.length} were dumped`)
  }
  return { args, bridged: true }
}

/** Forgets anything a failed call left queued. */
export function resetBridge(): void {
  pending.length = 0
  resultIsValueText = false
}

/** Rego value text of a host value (sets as `{…}` / `set()`), as opa_value_parse reads it. */
function regoValueText(value: unknown): string {
  if (value instanceof RegoSet) {
    return value.length === 0 ? 'set()' : `{${value.map(regoValueText).join(',')}}`
  }
  if (Array.isArray(value)) return `[${value.map(regoValueText).join(',')}]`
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof OutOfRangeNumber) return value.text
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${regoValueText(v)}`)
    return `{${members.join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/**
 * The text a builtin's result goes back to the module as: JSON, or, for a call that came through the bridge and a
 * result that holds a set, Rego value text flagged for opa_value_parse. Undefined when the result is undefined.
 */
export function bridgedResultText(
  value: unknown,
  bridged: boolean,
  json: (value: unknown) => string,
): string | undefined {
  if (value === undefined) return undefined
  if (!bridged || !holdsSet(value)) return json(value)
  resultIsValueText = true
  return regoValueText(value)
}
