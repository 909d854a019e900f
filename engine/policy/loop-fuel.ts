// Meters a policy.wasm's loops: a copy of the module where every loop iteration spends one unit of fuel from a
// global the host sets before each evaluation (exported as `clearance_fuel`), and an iteration that finds none
// left traps (`unreachable`). Wasm code can only run long by looping (recursion without loops runs into the stack
// limit), so an evaluation of the metered module stops after a bounded amount of work, wherever it is: what lets
// the serving thread evaluate a policy without an evaluation thread's time limit, handing an evaluation that runs
// out to the thread. The rewrite decodes every instruction of every function body (to find the loops' headers);
// a module using an instruction it does not know is left unmetered (undefined), never guessed at.

import {
  concat,
  ExternalKind,
  encodeU32,
  importedGlobals,
  Reader,
  readSections,
  Section,
  section,
  skipImmediates,
  Unsupported,
} from './wasm-binary.js'

/** The name of the exported fuel global. */
export const FUEL_EXPORT = 'clearance_fuel'
/** The fuel global's value outside metered evaluations (it starts there): in effect unmetered. */
export const UNMETERED_FUEL = 0x7fffffff
/**
 * Prefix of the exports of the module's own mutable globals (the C stack pointer among them): an evaluation
 * stopped at a loop's header skips the epilogues that would have restored them, so the host puts them back.
 */
export const SAVED_GLOBAL_PREFIX = 'clearance_global_'

/** A function body with the fuel check after every loop header. */
function meterBody(body: Uint8Array, check: Uint8Array): Uint8Array {
  const reader = new Reader(body)
  for (let groups = reader.u32(); groups > 0; groups--) {
    reader.u32()
    reader.byte()
  }
  const parts: Uint8Array[] = []
  let copied = 0
  while (reader.at < body.byteLength) {
    if (skipImmediates(reader, reader.byte())) {
      parts.push(body.subarray(copied, reader.at), check)
      copied = reader.at
    }
  }
  if (parts.length === 0) return body
  parts.push(body.subarray(copied))
  return concat(parts)
}

function meterCode(content: Uint8Array, check: Uint8Array): Uint8Array {
  const reader = new Reader(content)
  const count = reader.u32()
  const parts: Uint8Array[] = [Uint8Array.from(encodeU32(count))]
  for (let index = 0; index < count; index++) {
    const size = reader.u32()
    const metered = meterBody(content.subarray(reader.at, reader.at + size), check)
    reader.skip(size)
    parts.push(Uint8Array.from(encodeU32(metered.byteLength)), metered)
  }
  return concat(parts)
}

/** `global.get g; i32.eqz; if; unreachable; end; global.get g; i32.const 1; i32.sub; global.set g` */
function fuelCheck(global: number): Uint8Array {
  const g = encodeU32(global)
  return Uint8Array.from([0x23, ...g, 0x45, 0x04, 0x40, 0x00, 0x0b, 0x23, ...g, 0x41, 0x01, 0x6b, 0x24, ...g])
}

/** The module with its loops metered (see the file's comment), or undefined when it cannot be metered safely. */
export function meterLoops(wasm: Uint8Array): Uint8Array<ArrayBuffer> | undefined {
  try {
    return meter(wasm)
  } catch (thrown) {
    if (thrown instanceof Unsupported) return undefined
    throw thrown
  }
}

function meter(wasm: Uint8Array): Uint8Array<ArrayBuffer> {
  const sections = readSections(wasm)
  const globals = sections.find((s) => s.id === Section.global)
  const exports = sections.find((s) => s.id === Section.export)
  const code = sections.find((s) => s.id === Section.code)
  if (globals === undefined || exports === undefined || code === undefined) throw new Unsupported('sections')
  const imports = sections.find((s) => s.id === Section.import)
  const globalReader = new Reader(globals.content)
  const defined = globalReader.u32()
  const firstDefined = imports === undefined ? 0 : importedGlobals(imports.content)
  const fuel = firstDefined + defined
  const mutable: number[] = []
  const entries = new Reader(globals.content, globalReader.at)
  for (let index = 0; index < defined; index++) {
    const valueType = entries.byte()
    if (entries.byte() === 1) {
      if (valueType !== 0x7f && valueType !== 0x7e) throw new Unsupported('a mutable global of another type')
      mutable.push(firstDefined + index)
    }
    for (let op = entries.byte(); op !== 0x0b; op = entries.byte()) skipImmediates(entries, op)
  }
  const exportReader = new Reader(exports.content)
  const exported = exportReader.u32()
  const check = fuelCheck(fuel)
  const rewritten = sections.map(({ id, content }) => {
    if (id === Section.global) {
      // a mutable i32 starting full (2^31 - 1): loading the policy and its data runs unmetered
      const entry = Uint8Array.from([0x7f, 0x01, 0x41, 0xff, 0xff, 0xff, 0xff, 0x07, 0x0b])
      const rest = content.subarray(globalReader.at)
      return section(id, concat([Uint8Array.from(encodeU32(defined + 1)), rest, entry]))
    }
    if (id === Section.export) {
      const exportOf = (label: string, global: number): number[] => {
        const bytes = new TextEncoder().encode(label)
        return [...encodeU32(bytes.byteLength), ...bytes, ExternalKind.global, ...encodeU32(global)]
      }
      const added = [
        exportOf(FUEL_EXPORT, fuel),
        ...mutable.map((global) => exportOf(`${SAVED_GLOBAL_PREFIX}${global}`, global)),
      ]
      const rest = content.subarray(exportReader.at)
      return section(
        id,
        concat([Uint8Array.from(encodeU32(exported + added.length)), rest, Uint8Array.from(added.flat())]),
      )
    }
    if (id === Section.code) return section(id, meterCode(content, check))
    return section(id, content)
  })
  const metered = concat([wasm.subarray(0, 8), ...rewritten])
  if (!WebAssembly.validate(metered)) throw new Unsupported('the metered module does not validate')
  return metered
}
