// Replaces OPA's memoization table in a policy.wasm with a flat array. The compiled policy memoizes every rule
// without arguments: each reference to such a rule calls opa_memoize_get(i) with the rule's function index i, and
// its first evaluation ends in opa_memoize_insert(i, value). OPA keeps the table as a hash object keyed by number:
// every lookup hashes the index as a double (FNV over 8 bytes), walks a bucket comparing numbers, and the inserts
// allocate a number each and rehash the object as it grows. On the reference decision that was a quarter of the
// evaluation. Here the same five functions keep the table as an array of value pointers indexed by `i - lowest`,
// for the indexes the module's code actually asks for (each memoized function starts with `i32.const i; call
// opa_memoize_get`):
//   opa_memoize_init  a zeroed frame on OPA's heap (reset on every evaluation, as before) becomes the current one
//   opa_memoize_push  the same, remembering the current frame (`with` evaluates under a frame of its own)
//   opa_memoize_pop   back to the remembered frame; the popped one is kept for the next push, so a `with` inside
//                     a long iteration reuses one frame instead of taking a new one (frames are larger than OPA's
//                     empty hash object) at every turn
//   opa_memoize_insert / opa_memoize_get   a store / a load, 0 (not memoized) for an index outside the table
// The semantics are OPA's: one value per index per frame, a later insert replacing an earlier one, 0 for none.
// The current frame and the list of popped ones live in two new mutable globals. A module without these functions (or their names, or of
// another shape) is left as it was (undefined).
import {
  concat,
  encodeS32,
  encodeU32,
  importedFunctions,
  importedGlobals,
  Reader,
  readSections,
  Section,
  section,
  Unsupported,
} from './wasm-binary.js'

const I32 = 0x7f
const Op = {
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  brIf: 0x0d,
  call: 0x10,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  globalGet: 0x23,
  globalSet: 0x24,
  i32Load: 0x28,
  i32Store: 0x36,
  i64Store: 0x37,
  i32Const: 0x41,
  i64Const: 0x42,
  i32LtU: 0x49,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Shl: 0x74,
} as const
const VOID = 0x40

/** The functions replaced, with the signatures they must have: [params, results], all i32. */
const REPLACED = {
  init: { name: 'opa_memoize_init', params: 0, results: 0 },
  push: { name: 'opa_memoize_push', params: 0, results: 0 },
  pop: { name: 'opa_memoize_pop', params: 0, results: 0 },
  insert: { name: 'opa_memoize_insert', params: 2, results: 0 },
  get: { name: 'opa_memoize_get', params: 1, results: 1 },
} as const
const MALLOC = { name: 'opa_malloc', params: 1, results: 1 } as const

type Signature = { params: number; results: number }

/** A frame: the previous frame's address (4 bytes, then 4 of padding), then one 4-byte slot per index. */
const SLOTS_OFFSET = 8

/**
 * The module with an array for OPA's memoization table (see the file's comment), or undefined when it cannot be
 * rewritten: OPA's own table is always a correct answer, so whatever stops the rewrite leaves the module as built.
 */
export function tableMemo(wasm: Uint8Array): Uint8Array<ArrayBuffer> | undefined {
  try {
    return rewrite(wasm)
  } catch {
    return undefined
  }
}

/** The function section's type for each defined function, and the type section's shapes (i32-only ones). */
function signatures(
  types: Uint8Array,
  functions: Uint8Array,
): { ofType: Array<Signature | undefined>; typeOf: number[] } {
  const reader = new Reader(types)
  const ofType: Array<Signature | undefined> = []
  for (let count = reader.u32(); count > 0; count--) {
    if (reader.byte() !== 0x60) throw new Unsupported('a type that is not a function type')
    const params: number[] = []
    for (let n = reader.u32(); n > 0; n--) params.push(reader.byte())
    const results: number[] = []
    for (let n = reader.u32(); n > 0; n--) results.push(reader.byte())
    const i32Only = [...params, ...results].every((type) => type === I32)
    ofType.push(i32Only ? { params: params.length, results: results.length } : undefined)
  }
  const functionReader = new Reader(functions)
  const typeOf: number[] = []
  for (let count = functionReader.u32(); count > 0; count--) typeOf.push(functionReader.u32())
  return { ofType, typeOf }
}

/** Function names from the `name` custom section's function subsection (the first name wins). */
function functionNames(sections: ReadonlyArray<{ id: number; content: Uint8Array }>): Map<string, number> {
  const names = new Map<string, number>()
  for (const { id, content } of sections) {
    if (id !== Section.custom) continue
    const reader = new Reader(content)
    if (reader.name() !== 'name') continue
    while (reader.at < content.byteLength) {
      const sub = reader.byte()
      const size = reader.u32()
      const end = reader.at + size
      if (sub === 1) {
        for (let count = reader.u32(); count > 0; count--) {
          const index = reader.u32()
          const name = reader.name()
          if (!names.has(name)) names.set(name, index)
        }
      }
      reader.at = end
    }
  }
  return names
}

/** Where each entry (its size, then its body) of the code section starts, and where the last one ends. */
function entryOffsets(code: Uint8Array): number[] {
  const reader = new Reader(code)
  const offsets: number[] = []
  for (let count = reader.u32(); count > 0; count--) {
    offsets.push(reader.at)
    reader.skip(reader.u32())
  }
  offsets.push(reader.at)
  return offsets
}

/**
 * The constants k of every `i32.const k; call target` in the code section, among the function indexes of the
 * module ([first, end)). A byte scan rather than a decoding of every instruction (several times slower on a 256 KB
 * module): a match inside some other instruction's immediates can only widen the table, and every real one is found.
 */
export function memoIndexes(code: Uint8Array, target: number, first: number, end: number): number[] {
  const call = [Op.call, ...encodeU32(target)]
  const found: number[] = []
  const reader = new Reader(code)
  for (let at = code.indexOf(Op.i32Const); at >= 0; at = code.indexOf(Op.i32Const, at + 1)) {
    reader.at = at + 1
    let constant: number
    try {
      constant = reader.s32()
    } catch {
      continue
    }
    if (constant < first || constant >= end) continue
    if (call.every((byte, offset) => code[reader.at + offset] === byte)) found.push(constant)
  }
  return found
}

function body(locals: number, code: number[]): Uint8Array {
  const declared = locals === 0 ? [0x00] : [0x01, ...encodeU32(locals), I32]
  const bytes = [...declared, ...code, Op.end]
  return Uint8Array.from([...encodeU32(bytes.length), ...bytes])
}

function rewrite(wasm: Uint8Array): Uint8Array<ArrayBuffer> {
  const sections = readSections(wasm)
  const find = (id: number): Uint8Array | undefined => sections.find((s) => s.id === id)?.content
  const types = find(Section.type)
  const functions = find(Section.function)
  const globals = find(Section.global)
  const code = find(Section.code)
  if (types === undefined || functions === undefined || globals === undefined || code === undefined) {
    throw new Unsupported('sections')
  }
  const imports = find(Section.import)
  const firstDefinedFunction = imports === undefined ? 0 : importedFunctions(imports)
  const firstDefinedGlobal = imports === undefined ? 0 : importedGlobals(imports)
  const { ofType, typeOf } = signatures(types, functions)
  const names = functionNames(sections)
  const indexOf = (wanted: { name: string } & Signature): number => {
    const index = names.get(wanted.name)
    if (index === undefined || index < firstDefinedFunction)
      throw new Unsupported(`no function ${wanted.name}`)
    const signature = ofType[typeOf[index - firstDefinedFunction] ?? -1]
    if (signature?.params !== wanted.params || signature.results !== wanted.results) {
      throw new Unsupported(`${wanted.name} has another signature`)
    }
    return index
  }
  const index = {
    init: indexOf(REPLACED.init),
    push: indexOf(REPLACED.push),
    pop: indexOf(REPLACED.pop),
    insert: indexOf(REPLACED.insert),
    get: indexOf(REPLACED.get),
    malloc: indexOf(MALLOC),
  }
  const entries = entryOffsets(code)
  if (entries.length - 1 !== typeOf.length) throw new Unsupported('code and function sections disagree')
  const asked = memoIndexes(code, index.get, firstDefinedFunction, firstDefinedFunction + typeOf.length)
  if (asked.length === 0) throw new Unsupported('nothing memoized')
  const lowest = Math.min(...asked)
  const slots = Math.max(...asked) - lowest + 1
  // whole 8-byte words, zeroed with i64 stores
  const frameSize = Math.ceil((SLOTS_OFFSET + 4 * slots) / 8) * 8

  const globalReader = new Reader(globals)
  const definedGlobals = globalReader.u32()
  const frame = encodeU32(firstDefinedGlobal + definedGlobals)
  // popped frames, linked through their first word, for the next push to take
  const spare = encodeU32(firstDefinedGlobal + definedGlobals + 1)
  const newGlobals = concat([
    Uint8Array.from(encodeU32(definedGlobals + 2)),
    globals.subarray(globalReader.at),
    Uint8Array.from([I32, 0x01, Op.i32Const, 0x00, Op.end]),
    Uint8Array.from([I32, 0x01, Op.i32Const, 0x00, Op.end]),
  ])

  // push: p = a spare frame (spare = its link) or opa_malloc(size); zero it (from its end, 8 bytes at a time);
  // p.prev = frame; frame = p
  const [p, i] = [0, 1]
  const push = body(2, [
    ...[Op.globalGet, ...spare, Op.localTee, p, Op.if, VOID],
    ...[Op.localGet, p, Op.i32Load, 0x02, 0x00, Op.globalSet, ...spare],
    Op.else,
    ...[Op.i32Const, ...encodeS32(frameSize), Op.call, ...encodeU32(index.malloc), Op.localSet, p],
    Op.end,
    ...[Op.i32Const, ...encodeS32(frameSize), Op.localSet, i],
    ...[Op.loop, VOID],
    ...[Op.localGet, p, Op.localGet, i, Op.i32Const, 8, Op.i32Sub, Op.localTee, i, Op.i32Add],
    ...[Op.i64Const, 0, Op.i64Store, 0x03, 0x00],
    ...[Op.localGet, i, Op.brIf, 0],
    Op.end,
    ...[Op.localGet, p, Op.globalGet, ...frame, Op.i32Store, 0x02, 0x00],
    ...[Op.localGet, p, Op.globalSet, ...frame],
  ])
  // init: a first frame with no previous one, and no spare (OPA's heap starts over with every evaluation)
  const init = body(0, [
    ...[Op.i32Const, 0x00, Op.globalSet, ...frame, Op.i32Const, 0x00, Op.globalSet, ...spare],
    ...[Op.call, ...encodeU32(index.push)],
  ])
  // pop: p = frame; if p: frame = p.prev; p.link = spare; spare = p
  const pop = body(1, [
    ...[Op.globalGet, ...frame, Op.localTee, p, Op.if, VOID],
    ...[Op.localGet, p, Op.i32Load, 0x02, 0x00, Op.globalSet, ...frame],
    ...[Op.localGet, p, Op.globalGet, ...spare, Op.i32Store, 0x02, 0x00],
    ...[Op.localGet, p, Op.globalSet, ...spare],
    Op.end,
  ])
  // the slot's address is left on the stack by `slot`, for index - lowest (in local 0) below `slots`
  const inRange = [
    ...[Op.localGet, 0, Op.i32Const, ...encodeS32(lowest), Op.i32Sub, Op.localTee, 0],
    ...[Op.i32Const, ...encodeS32(slots), Op.i32LtU],
  ]
  const slot = [Op.globalGet, ...frame, Op.localGet, 0, Op.i32Const, 2, Op.i32Shl, Op.i32Add]
  const get = body(0, [
    ...inRange,
    ...[Op.if, I32, ...slot, Op.i32Load, 0x02, SLOTS_OFFSET, Op.else, Op.i32Const, 0x00, Op.end],
  ])
  const insert = body(0, [
    ...inRange,
    ...[Op.if, VOID, ...slot, Op.localGet, 1, Op.i32Store, 0x02, SLOTS_OFFSET, Op.end],
  ])
  const replaced = new Map<number, Uint8Array>([
    [index.init, init],
    [index.push, push],
    [index.pop, pop],
    [index.insert, insert],
    [index.get, get],
  ])
  // the code section with the five entries spliced in, the rest copied as it is
  const parts: Uint8Array[] = []
  let copied = 0
  for (const [at, entry] of [...replaced].sort(([a], [b]) => a - b)) {
    const defined = at - firstDefinedFunction
    parts.push(code.subarray(copied, entries[defined]), entry)
    copied = entries[defined + 1]!
  }
  parts.push(code.subarray(copied))
  const newCode = concat(parts)
  const rewritten = concat([
    wasm.subarray(0, 8),
    ...sections.map(({ id, content }) => {
      if (id === Section.global) return section(id, newGlobals)
      if (id === Section.code) return section(id, newCode)
      return section(id, content)
    }),
  ])
  if (!WebAssembly.validate(rewritten)) throw new Unsupported('the rewritten module does not validate')
  return rewritten
}
