// Meters a policy.wasm's loops: a copy of the module where every loop iteration spends one unit of fuel from a
// global the host sets before each evaluation (exported as `clearance_fuel`), and an iteration that finds none
// left traps (`unreachable`). Wasm code can only run long by looping (recursion without loops runs into the stack
// limit), so an evaluation of the metered module stops after a bounded amount of work, wherever it is: what lets
// the serving thread evaluate a policy without an evaluation thread's time limit, handing an evaluation that runs
// out to the thread. The rewrite decodes every instruction of every function body (to find the loops' headers);
// a module using an instruction it does not know is left unmetered (undefined), never guessed at.

/** The name of the exported fuel global. */
export const FUEL_EXPORT = 'clearance_fuel'
/** The fuel global's value outside metered evaluations (it starts there): in effect unmetered. */
export const UNMETERED_FUEL = 0x7fffffff
/**
 * Prefix of the exports of the module's own mutable globals (the C stack pointer among them): an evaluation
 * stopped at a loop's header skips the epilogues that would have restored them, so the host puts them back.
 */
export const SAVED_GLOBAL_PREFIX = 'clearance_global_'

const Section = { import: 2, global: 6, export: 7, code: 10 } as const
const ExternalKind = { global: 3 } as const

class Unsupported extends Error {}

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public at = 0,
  ) {}

  byte(): number {
    if (this.at >= this.bytes.byteLength) throw new Unsupported('truncated')
    return this.bytes[this.at++]!
  }

  u32(): number {
    let result = 0
    let shift = 0
    for (;;) {
      const byte = this.byte()
      result |= (byte & 0x7f) << shift
      if ((byte & 0x80) === 0) return result >>> 0
      shift += 7
      if (shift > 28) throw new Unsupported('u32 too long')
    }
  }

  /** Skips a signed LEB128 of up to `bits` bits. */
  skipSigned(bits: number): void {
    for (let read = 0; ; read += 7) {
      if ((this.byte() & 0x80) === 0) return
      if (read > bits) throw new Unsupported('integer too long')
    }
  }

  skip(count: number): void {
    this.at += count
    if (this.at > this.bytes.byteLength) throw new Unsupported('truncated')
  }

  skipName(): void {
    this.skip(this.u32())
  }

  skipLimits(): void {
    const flags = this.byte()
    this.u32()
    if (flags & 1) this.u32()
  }
}

function encodeU32(value: number): number[] {
  const out: number[] = []
  let rest = value >>> 0
  do {
    let byte = rest & 0x7f
    rest >>>= 7
    if (rest !== 0) byte |= 0x80
    out.push(byte)
  } while (rest !== 0)
  return out
}

function section(id: number, content: Uint8Array | number[]): Uint8Array {
  const body = content instanceof Uint8Array ? content : Uint8Array.from(content)
  return concat([Uint8Array.from([id, ...encodeU32(body.byteLength)]), body])
}

function concat(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.byteLength, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.byteLength
  }
  return out
}

/** Globals the module imports (they come first in the global index space). */
function importedGlobals(content: Uint8Array): number {
  const reader = new Reader(content)
  let globals = 0
  for (let count = reader.u32(); count > 0; count--) {
    reader.skipName()
    reader.skipName()
    const kind = reader.byte()
    if (kind === 0) reader.u32()
    else if (kind === 1) {
      reader.byte()
      reader.skipLimits()
    } else if (kind === 2) reader.skipLimits()
    else if (kind === ExternalKind.global) {
      reader.skip(2)
      globals++
    } else throw new Unsupported(`import kind ${kind}`)
  }
  return globals
}

/** Skips one instruction's immediates after its opcode; returns true when it was a loop (its header just read). */
function skipImmediates(reader: Reader, opcode: number): boolean {
  if (opcode <= 0x01 || opcode === 0x05 || opcode === 0x0b || opcode === 0x0f || opcode === 0x1a) return false
  if (opcode === 0x1b || opcode === 0xd1 || (opcode >= 0x45 && opcode <= 0xc4)) return false
  if (opcode >= 0x02 && opcode <= 0x04) {
    reader.skipSigned(33)
    return opcode === 0x03
  }
  if (opcode === 0x0c || opcode === 0x0d || opcode === 0x10 || opcode === 0xd2) {
    reader.u32()
    return false
  }
  if (opcode >= 0x20 && opcode <= 0x26) {
    reader.u32()
    return false
  }
  if (opcode === 0x0e) {
    for (let count = reader.u32() + 1; count > 0; count--) reader.u32()
    return false
  }
  if (opcode === 0x11) {
    reader.u32()
    reader.u32()
    return false
  }
  if (opcode === 0x1c) {
    reader.skip(reader.u32())
    return false
  }
  if (opcode >= 0x28 && opcode <= 0x3e) {
    if (reader.u32() & 0x40) throw new Unsupported('multi-memory')
    reader.u32()
    return false
  }
  if (opcode === 0x3f || opcode === 0x40) {
    reader.u32()
    return false
  }
  if (opcode === 0x41) reader.skipSigned(32)
  else if (opcode === 0x42) reader.skipSigned(64)
  else if (opcode === 0x43) reader.skip(4)
  else if (opcode === 0x44) reader.skip(8)
  else if (opcode === 0xd0) reader.byte()
  else if (opcode === 0xfc) skipMiscImmediates(reader, reader.u32())
  else throw new Unsupported(`opcode 0x${opcode.toString(16)}`)
  return false
}

function skipMiscImmediates(_reader: Reader, sub: number): void {
  // The saturating truncations have no immediates. The bulk memory and table instructions (8 and up) do work in
  // proportion to their operands in one instruction, which the meter would not count: refused.
  if (sub > 7) throw new Unsupported(`misc opcode ${sub}`)
}

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
  const reader = new Reader(wasm, 8)
  const sections: Array<{ id: number; content: Uint8Array }> = []
  while (reader.at < wasm.byteLength) {
    const id = reader.byte()
    const size = reader.u32()
    sections.push({ id, content: wasm.subarray(reader.at, reader.at + size) })
    reader.skip(size)
  }
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
