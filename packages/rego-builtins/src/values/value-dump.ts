// Turns the wasm module's value dump of a result set (opa_eval format 1) into the JSON text OPA's server would
// write. Format 0 (plain JSON) cannot be used: it writes a Rego set as an array in the module's hash order, where
// OPA writes the set's elements sorted in Rego's value order. The value dump keeps sets recognisable.
//
// The dump is JSON with a space after every `,` and `:` separator, plus two extensions: sets (`{1, 2}`, `set()`)
// and object keys that are not strings (`{1: "a"}`). The result set itself is a set of rows. A single row without
// non-empty sets or non-string keys, which is nearly every decision, takes one pass over the bytes that rewrites
// the dump in place (it is scratch memory of this evaluation; the next one starts its heap below it), at about a
// nanosecond per byte; anything else goes to the full conversion in set-order.ts.
import { canonicalJsonFromDump } from './set-order.js'

const NUL = 0x00
const SPACE = 0x20
const QUOTE = 0x22
const LPAREN = 0x28
const COMMA = 0x2c
const COLON = 0x3a
const LBRACKET = 0x5b
const BACKSLASH = 0x5c
const RBRACKET = 0x5d
const LBRACE = 0x7b
const RBRACE = 0x7d
const EMPTY_SET = 0x73 // `set()`: no result rows, an undefined decision

const IN_ARRAY = 1
const IN_OBJECT = 2
const IN_RESULT_SET = 3
const MAX_DEPTH = 255

const decoder = new TextDecoder()
// The container open at each depth during a compaction pass; deeper results take the full conversion.
const containers = new Uint8Array(MAX_DEPTH + 1)
// Where a pass that gave up stopped reading: the bytes from there on are still the original dump.
let stoppedAt = 0

/** True when one of the four bytes of `word` is `"` or `\` (the zero-byte test of each XOR). */
function hasQuoteOrBackslash(word: number): boolean {
  const q = word ^ 0x22222222
  const b = word ^ 0x5c5c5c5c
  return ((((q - 0x01010101) & ~q) | ((b - 0x01010101) & ~b)) & 0x80808080) !== 0
}

/**
 * Rewrites the NUL-terminated dump of a result set at `start` in place: the set's braces become brackets and the
 * separator spaces go. Returns the end of the compacted text, or -(end of the compacted part) - 1 as soon as
 * something needs the full conversion (a non-empty set, a non-string object key, several result rows, too deep a
 * nesting), with `stoppedAt` set to where reading stopped and the compacted part still a valid dump.
 */
function compactInPlace(bytes: Uint8Array, words: DataView, start: number): number {
  bytes[start] = LBRACKET
  let i = start + 1
  let o = i
  let depth = 1
  containers[1] = IN_RESULT_SET
  // Inside an object, at a key: the string that starts here must be followed by `:`, else it is a set element.
  let atKey = false
  for (;;) {
    const c = bytes[i++] as number
    if (c === NUL) return o
    bytes[o++] = c
    if (c === QUOTE) {
      // String contents four bytes at a time. Reading past the closing quote stays inside the dump: at least
      // two closing brackets and the NUL follow the last string.
      let word = words.getUint32(i, true)
      while (!hasQuoteOrBackslash(word)) {
        words.setUint32(o, word, true)
        i += 4
        o += 4
        word = words.getUint32(i, true)
      }
      for (;;) {
        const d = bytes[i++] as number
        bytes[o++] = d
        if (d === QUOTE) break
        if (d === BACKSLASH) bytes[o++] = bytes[i++] as number
      }
      if (atKey) {
        if (bytes[i] !== COLON) break
        atKey = false
      }
    } else if (c === COMMA) {
      if (bytes[i] === SPACE) i++
      const container = containers[depth]
      if (container === IN_OBJECT) {
        if (bytes[i] !== QUOTE) break
        atKey = true
      } else if (container === IN_RESULT_SET) {
        break // several rows, to be sorted too
      }
    } else if (c === COLON) {
      if (bytes[i] === SPACE) i++
    } else if (c === LBRACE) {
      if (depth === MAX_DEPTH) break
      containers[++depth] = IN_OBJECT
      const next = bytes[i]
      if (next === QUOTE) atKey = true
      else if (next !== RBRACE) break
    } else if (c === LBRACKET) {
      if (depth === MAX_DEPTH) break
      containers[++depth] = IN_ARRAY
    } else if (c === RBRACE) {
      if (--depth === 0) bytes[o - 1] = RBRACKET
    } else if (c === RBRACKET) {
      depth--
    } else if (c === LPAREN) {
      // `set()`, an empty set: the empty array, with nothing to order.
      o -= 4
      bytes[o++] = LBRACKET
      bytes[o++] = RBRACKET
      i++
    }
  }
  bytes[start] = LBRACE
  stoppedAt = i
  return -o - 1
}

/** Reads result sets out of one wasm memory; it keeps views of the memory's current buffer. */
export class ValueDumpReader {
  private bytes = new Uint8Array(0)
  private words = new DataView(this.bytes.buffer)

  /**
   * The JSON text of the NUL-terminated value dump of a result set at `start` in `memory` (the policy's memory,
   * which this overwrites from `start` on): `[]` for no rows, else `[row,…]`.
   */
  json(memory: ArrayBuffer, start: number): string {
    if (this.bytes.buffer !== memory) {
      // A grown memory has a new buffer.
      this.bytes = new Uint8Array(memory)
      this.words = new DataView(memory)
    }
    const bytes = this.bytes
    const first = bytes[start]
    if (first === EMPTY_SET) return '[]'
    let dump: string
    if (first === LBRACE) {
      const end = compactInPlace(bytes, this.words, start)
      if (end >= 0) return decoder.decode(bytes.subarray(start, end))
      // The compacted part is still a valid start of the dump, and the rest is untouched.
      dump =
        decoder.decode(bytes.subarray(start, -end - 1)) +
        decoder.decode(bytes.subarray(stoppedAt, bytes.indexOf(NUL, stoppedAt)))
    } else {
      dump = decoder.decode(bytes.subarray(start, bytes.indexOf(NUL, start)))
    }
    return canonicalJsonFromDump(dump)
  }
}
