// The full conversion of a wasm value dump (opa_value_dump text) into OPA's JSON: every set becomes an array of
// its elements sorted in Rego's value order (OPA's ast.Compare, which OPA's JSON encoding iterates sets in), and
// an object key that is not a string becomes the string of its JSON text, as OPA's ast.JSON makes it. Numbers
// and strings keep the exact text the module wrote; objects keep their key order.
import { OutOfRangeNumber } from './out-of-range-number.js'
import { RegoSet } from './rego-set.js'
import { compareStrings } from './value-order.js'

// Ranks follow OPA's valueSortOrder: null < boolean < number < string < array < object < set.
const NULL = 0
const BOOLEAN = 1
const NUMBER = 2
const STRING = 3
const ARRAY = 7
const OBJECT = 8
const SET = 9

const QUOTE = 0x22
const BACKSLASH = 0x5c

type Entry = readonly [DumpValue, DumpValue]

type DumpValue =
  | { readonly rank: typeof NULL | typeof BOOLEAN; readonly text: string }
  | { readonly rank: typeof NUMBER; readonly text: string; readonly value: number | bigint }
  | { readonly rank: typeof STRING; readonly text: string; readonly value: string }
  | { readonly rank: typeof ARRAY | typeof SET; readonly items: DumpValue[] }
  | { readonly rank: typeof OBJECT; readonly entries: Entry[]; byKey?: Entry[] }

// Rego number literals as the module writes them, including forms JSON lacks (.5, 1.)
const NUMBER_TOKEN = /-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y
const INTEGER = /^-?\d+$/

function numberValue(text: string): number | bigint {
  const n = Number(text)
  return Number.isSafeInteger(n) || !INTEGER.test(text) ? n : BigInt(text)
}

class DumpParser {
  private pos = 0

  constructor(private readonly text: string) {}

  parseAll(): DumpValue {
    const value = this.value()
    this.skipSpaces()
    if (this.pos !== this.text.length) this.fail()
    return value
  }

  private fail(): never {
    throw new SyntaxError(`malformed value dump at offset ${this.pos}`)
  }

  private skipSpaces(): void {
    while (this.text.charCodeAt(this.pos) === 0x20) this.pos++
  }

  private expect(word: string): void {
    if (!this.text.startsWith(word, this.pos)) this.fail()
    this.pos += word.length
  }

  private value(): DumpValue {
    this.skipSpaces()
    const c = this.text[this.pos]
    switch (c) {
      case '"':
        return this.string()
      case '[':
        return { rank: ARRAY, items: this.elements(']') }
      case '{':
        return this.braces()
      case 'n':
        this.expect('null')
        return { rank: NULL, text: 'null' }
      case 't':
        this.expect('true')
        return { rank: BOOLEAN, text: 'true' }
      case 'f':
        this.expect('false')
        return { rank: BOOLEAN, text: 'false' }
      case 's':
        this.expect('set()')
        return { rank: SET, items: [] }
      default: {
        NUMBER_TOKEN.lastIndex = this.pos
        const match = NUMBER_TOKEN.exec(this.text)
        if (match === null) this.fail()
        this.pos += match[0].length
        return { rank: NUMBER, text: match[0], value: numberValue(match[0]) }
      }
    }
  }

  private string(): DumpValue {
    const start = this.pos++
    let escaped = false
    for (;;) {
      const c = this.text.charCodeAt(this.pos++)
      if (c === BACKSLASH) {
        escaped = true
        this.pos++
      } else if (c === QUOTE) {
        break
      } else if (Number.isNaN(c)) {
        this.fail()
      }
    }
    const text = this.text.slice(start, this.pos)
    return { rank: STRING, text, value: escaped ? (JSON.parse(text) as string) : text.slice(1, -1) }
  }

  /** The elements of an array up to `close`, the opening bracket not yet consumed. */
  private elements(close: string): DumpValue[] {
    this.pos++
    const items: DumpValue[] = []
    this.skipSpaces()
    if (this.text[this.pos] === close) {
      this.pos++
      return items
    }
    for (;;) {
      items.push(this.value())
      if (this.separator(close)) return items
    }
  }

  /** Consumes `,` (false) or `close` (true) after an element. */
  private separator(close: string): boolean {
    this.skipSpaces()
    const c = this.text[this.pos++]
    if (c === close) return true
    if (c !== ',') this.fail()
    return false
  }

  /** An object or a non-empty set: the first element tells them apart by the `:` after it. */
  private braces(): DumpValue {
    this.pos++
    this.skipSpaces()
    if (this.text[this.pos] === '}') {
      this.pos++
      return { rank: OBJECT, entries: [] }
    }
    const first = this.value()
    this.skipSpaces()
    if (this.text[this.pos] !== ':') {
      const items = [first]
      while (!this.separator('}')) items.push(this.value())
      return { rank: SET, items: items.sort(compareDumpValues) }
    }
    const entries: Entry[] = []
    let key = first
    for (;;) {
      this.expect(':')
      entries.push([key, this.value()])
      if (this.separator('}')) return { rank: OBJECT, entries }
      key = this.value()
      this.skipSpaces()
    }
  }
}

function compareSequences(a: readonly DumpValue[], b: readonly DumpValue[]): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const c = compareDumpValues(a[i] as DumpValue, b[i] as DumpValue)
    if (c !== 0) return c
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1
}

function entriesByKey(object: { entries: Entry[]; byKey?: Entry[] }): Entry[] {
  object.byKey ??= [...object.entries].sort((x, y) => compareDumpValues(x[0], y[0]))
  return object.byKey
}

/** OPA's ast.Compare over dumped values; a set's items are already sorted. */
export function compareDumpValues(a: DumpValue, b: DumpValue): number {
  if (a.rank !== b.rank) return a.rank < b.rank ? -1 : 1
  switch (a.rank) {
    case NULL:
      return 0
    case BOOLEAN:
      return a.text === (b as { text: string }).text ? 0 : a.text === 'false' ? -1 : 1
    case NUMBER: {
      const y = (b as { value: number | bigint }).value
      return a.value < y ? -1 : a.value > y ? 1 : 0
    }
    case STRING:
      return compareStrings(a.value, (b as { value: string }).value)
    case ARRAY:
    case SET:
      return compareSequences(a.items, (b as { items: DumpValue[] }).items)
    case OBJECT: {
      const x = entriesByKey(a)
      const y = entriesByKey(b as { entries: Entry[]; byKey?: Entry[] })
      const n = Math.min(x.length, y.length)
      for (let i = 0; i < n; i++) {
        const [kx, vx] = x[i] as Entry
        const [ky, vy] = y[i] as Entry
        const c = compareDumpValues(kx, ky) || compareDumpValues(vx, vy)
        if (c !== 0) return c
      }
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1
    }
  }
}

function writeJson(value: DumpValue): string {
  switch (value.rank) {
    case ARRAY:
    case SET:
      return `[${value.items.map(writeJson).join(',')}]`
    case OBJECT:
      return `{${value.entries
        .map(([k, v]) => `${k.rank === STRING ? k.text : JSON.stringify(writeJson(k))}:${writeJson(v)}`)
        .join(',')}}`
    case STRING:
    case NUMBER:
    case BOOLEAN:
    case NULL:
      return value.text
  }
}

/** OPA's JSON text for a value dump that may hold sets and non-string object keys. */
export function canonicalJsonFromDump(dump: string): string {
  return writeJson(new DumpParser(dump).parseAll())
}

function hostValue(value: DumpValue): unknown {
  switch (value.rank) {
    case NULL:
      return null
    case BOOLEAN:
      return value.text === 'true'
    case NUMBER:
      return typeof value.value === 'number' && !Number.isFinite(value.value)
        ? new OutOfRangeNumber(value.text)
        : value.value
    case STRING:
      return value.value
    case ARRAY:
      return value.items.map(hostValue)
    case SET:
      return RegoSet.ofSorted(value.items.map(hostValue))
    case OBJECT: {
      const object: Record<string, unknown> = {}
      for (const [k, v] of value.entries) object[k.rank === STRING ? k.value : writeJson(k)] = hostValue(v)
      return object
    }
  }
}

/**
 * The value a host builtin receives for a value dump: sets as RegoSet (sorted as OPA iterates them), integers
 * beyond 2^53 as bigint, a non-string object key as its JSON text.
 */
export function hostValueFromDump(dump: string): unknown {
  return hostValue(new DumpParser(dump).parseAll())
}
