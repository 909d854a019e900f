// Reading and writing a wasm module's binary format, as much as the rewrites of policy.wasm need (loop-fuel.ts
// meters its loops, memo-table.ts replaces OPA's memoization table): sections, LEB128 integers, names, and the
// immediates of every instruction up to the saturating truncations. What it does not know it refuses (Unsupported)
// rather than guesses at.

export const Section = { custom: 0, type: 1, import: 2, function: 3, global: 6, export: 7, code: 10 } as const
export const ExternalKind = { function: 0, global: 3 } as const

/** A module the reader does not understand (truncated, or an instruction or form it does not know). */
export class Unsupported extends Error {}

export class Reader {
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

  /** A signed LEB128 of up to 32 bits. */
  s32(): number {
    let result = 0
    let shift = 0
    for (;;) {
      const byte = this.byte()
      result |= (byte & 0x7f) << shift
      shift += 7
      if ((byte & 0x80) === 0) return shift < 32 && byte & 0x40 ? result | (-1 << shift) : result | 0
      if (shift > 28) throw new Unsupported('s32 too long')
    }
  }

  /** A UTF-8 name (length-prefixed). */
  name(): string {
    const length = this.u32()
    const start = this.at
    this.skip(length)
    return new TextDecoder().decode(this.bytes.subarray(start, this.at))
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

export function encodeU32(value: number): number[] {
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

/** A signed LEB128 (i32.const's immediate). */
export function encodeS32(value: number): number[] {
  const out: number[] = []
  let rest = value | 0
  for (;;) {
    const byte = rest & 0x7f
    rest >>= 7
    if ((rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0)) {
      out.push(byte)
      return out
    }
    out.push(byte | 0x80)
  }
}

export function section(id: number, content: Uint8Array | number[]): Uint8Array {
  const body = content instanceof Uint8Array ? content : Uint8Array.from(content)
  return concat([Uint8Array.from([id, ...encodeU32(body.byteLength)]), body])
}

export function concat(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.byteLength, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.byteLength
  }
  return out
}

export interface RawSection {
  id: number
  content: Uint8Array
}

/** The module's sections in order, each a view of its content (after the 8-byte header). */
export function readSections(wasm: Uint8Array): RawSection[] {
  const reader = new Reader(wasm, 8)
  const sections: RawSection[] = []
  while (reader.at < wasm.byteLength) {
    const id = reader.byte()
    const size = reader.u32()
    sections.push({ id, content: wasm.subarray(reader.at, reader.at + size) })
    reader.skip(size)
  }
  return sections
}

/** Functions the module imports (they come first in the function index space). */
export function importedFunctions(content: Uint8Array): number {
  return countImports(content).functions
}

/** Globals the module imports (they come first in the global index space). */
export function importedGlobals(content: Uint8Array): number {
  return countImports(content).globals
}

function countImports(content: Uint8Array): { functions: number; globals: number } {
  const reader = new Reader(content)
  let functions = 0
  let globals = 0
  for (let count = reader.u32(); count > 0; count--) {
    reader.skipName()
    reader.skipName()
    const kind = reader.byte()
    if (kind === ExternalKind.function) {
      reader.u32()
      functions++
    } else if (kind === 1) {
      reader.byte()
      reader.skipLimits()
    } else if (kind === 2) reader.skipLimits()
    else if (kind === ExternalKind.global) {
      reader.skip(2)
      globals++
    } else throw new Unsupported(`import kind ${kind}`)
  }
  return { functions, globals }
}

/** Skips one instruction's immediates after its opcode; returns true when it was a loop (its header just read). */
export function skipImmediates(reader: Reader, opcode: number): boolean {
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
