// Go regexp (RE2 syntax) on JavaScript's engine. OPA's regex builtins take RE2 patterns; this translates one
// into an equivalent `u`-flag JS RegExp — RE2's ASCII \s, `.` that stops only at \n, scoped flags (?i:…), \z, \A,
// \Q…\E, POSIX classes, \pN / \p{Greek}, \x{…} and octal escapes — and rejects what RE2 rejects (backreferences,
// look-around). Both engines pick the leftmost-first match, so results agree. Go's match iteration lives in
// go-regexp.ts.
import { BuiltinError } from '../host/index.js'

interface Flags {
  i: boolean
  m: boolean
  s: boolean
  U: boolean
}

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\u{0}-\\u{7f}',
  blank: '\\t ',
  cntrl: '\\u{0}-\\u{1f}\\u{7f}',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
}

const GENERAL_CATEGORIES = new Set([
  'C',
  'Cc',
  'Cf',
  'Co',
  'Cs',
  'L',
  'Ll',
  'Lm',
  'Lo',
  'Lt',
  'Lu',
  'M',
  'Mc',
  'Me',
  'Mn',
  'N',
  'Nd',
  'Nl',
  'No',
  'P',
  'Pc',
  'Pd',
  'Pe',
  'Pf',
  'Pi',
  'Po',
  'Ps',
  'S',
  'Sc',
  'Sk',
  'Sm',
  'So',
  'Z',
  'Zl',
  'Zp',
  'Zs',
])

const MAX_REPEAT = 1000

function invalid(message: string): BuiltinError {
  return new BuiltinError(`error parsing regexp: ${message}`)
}

function codeEscape(cp: number): string {
  return `\\u{${cp.toString(16)}}`
}

function caseVariants(cp: number): number[] {
  const ch = String.fromCodePoint(cp)
  const out = new Set<number>([cp])
  for (const v of [ch.toLowerCase(), ch.toUpperCase()]) {
    if ([...v].length === 1) out.add(v.codePointAt(0) ?? cp)
  }
  return [...out]
}

class Translator {
  private pos = 0
  private out = ''
  private readonly flagStack: Flags[] = []
  private flags: Flags = { i: false, m: false, s: false, U: false }
  private lastWasAtom = false
  groupNames: string[] = []
  groups = 0

  constructor(
    private readonly src: string,
    private readonly globalIgnoreCase: boolean,
  ) {}

  translate(): string {
    const src = this.src
    while (this.pos < src.length) {
      const cp = src.codePointAt(this.pos) ?? 0
      const ch = String.fromCodePoint(cp)
      this.pos += ch.length
      switch (ch) {
        case '\\':
          this.escape()
          break
        case '[':
          this.out += this.charClass()
          this.lastWasAtom = true
          break
        case '(':
          this.openGroup()
          break
        case ')':
          if (this.flagStack.length === 0) throw invalid(`unexpected ): \`${src}\``)
          this.flags = this.flagStack.pop() as Flags
          this.out += ')'
          this.lastWasAtom = true
          break
        case '|':
          this.out += '|'
          this.lastWasAtom = false
          break
        case '.':
          this.out += this.flags.s ? '[\\s\\S]' : '[^\\n]'
          this.lastWasAtom = true
          break
        case '^':
          this.out += this.flags.m ? '(?<![^\\n])' : '(?<![\\s\\S])'
          this.lastWasAtom = false
          break
        case '$':
          this.out += this.flags.m ? '(?![^\\n])' : '(?![\\s\\S])'
          this.lastWasAtom = false
          break
        case '*':
        case '+':
        case '?':
          this.quantifier(ch)
          break
        case '{': {
          const m = /^(\d+)(,(\d*))?\}/.exec(src.slice(this.pos))
          if (m) {
            const min = Number(m[1])
            const max = m[3] === undefined || m[3] === '' ? min : Number(m[3])
            if (min > MAX_REPEAT || max > MAX_REPEAT || (m[2] !== undefined && m[3] !== '' && max < min)) {
              throw invalid(`invalid repeat count: \`{${m[0]}\``)
            }
            this.pos += m[0].length
            this.quantifier(`{${m[0]}`)
          } else {
            this.literal(cp)
          }
          break
        }
        default:
          this.literal(cp)
      }
    }
    if (this.flagStack.length > 0) throw invalid(`missing closing ): \`${src}\``)
    return this.out
  }

  private quantifier(q: string): void {
    if (!this.lastWasAtom) throw invalid(`missing argument to repetition operator: \`${q}\``)
    let lazy = false
    if (this.src[this.pos] === '?') {
      lazy = true
      this.pos++
    }
    if (this.flags.U) lazy = !lazy
    const next = this.src[this.pos]
    if (next === '*' || next === '+' || next === '?') {
      throw invalid(`invalid nested repetition operator: \`${q}${next}\``)
    }
    this.out += lazy ? `${q}?` : q
    // A quantified atom cannot be quantified again; RE2 rejects `a**` and JS rejects `a{2}{3}`.
    this.lastWasAtom = false
  }

  private literal(cp: number): void {
    if (this.flags.i && !this.globalIgnoreCase) {
      const variants = caseVariants(cp)
      this.out += variants.length > 1 ? `[${variants.map(codeEscape).join('')}]` : codeEscape(cp)
    } else {
      this.out += codeEscape(cp)
    }
    this.lastWasAtom = true
  }

  private openGroup(): void {
    const src = this.src
    if (src[this.pos] !== '?') {
      this.flagStack.push({ ...this.flags })
      this.groups++
      this.groupNames.push('')
      this.out += '('
      this.lastWasAtom = false
      return
    }
    const rest = src.slice(this.pos + 1)
    const named = /^P?<([A-Za-z0-9_]+)>/.exec(rest)
    if (named) {
      this.pos += 1 + named[0].length
      this.flagStack.push({ ...this.flags })
      this.groups++
      this.groupNames.push(named[1] as string)
      this.out += `(?<${named[1]}>`
      this.lastWasAtom = false
      return
    }
    const flagGroup = /^([imsU]*)(-([imsU]*))?([:)])/.exec(rest)
    if (!flagGroup || (flagGroup[2] !== undefined && flagGroup[3] === '')) {
      throw invalid(`invalid or unsupported Perl syntax: \`${src.slice(this.pos - 1, this.pos + 2)}\``)
    }
    this.pos += 1 + flagGroup[0].length
    const next: Flags = { ...this.flags }
    for (const f of flagGroup[1] ?? '') next[f as keyof Flags] = true
    for (const f of flagGroup[3] ?? '') next[f as keyof Flags] = false
    if (flagGroup[4] === ')') {
      this.flags = next
      this.lastWasAtom = false
    } else {
      this.flagStack.push({ ...this.flags })
      this.flags = next
      this.out += '(?:'
      this.lastWasAtom = false
    }
  }

  private escape(): void {
    const src = this.src
    if (this.pos >= src.length) throw invalid('trailing backslash at end of expression: ``')
    const c = src[this.pos] as string
    this.pos++
    this.lastWasAtom = true
    switch (c) {
      case 'A':
        this.out += '(?<![\\s\\S])'
        this.lastWasAtom = false
        return
      case 'z':
        this.out += '(?![\\s\\S])'
        this.lastWasAtom = false
        return
      case 'b':
      case 'B':
        this.out += `\\${c}`
        this.lastWasAtom = false
        return
      case 'Q': {
        const end = src.indexOf('\\E', this.pos)
        const text = end < 0 ? src.slice(this.pos) : src.slice(this.pos, end)
        this.pos = end < 0 ? src.length : end + 2
        for (const ch of text) this.literal(ch.codePointAt(0) ?? 0)
        return
      }
      case 'E':
        this.lastWasAtom = false
        return
      default: {
        const cls = this.classEscape(c, false)
        if (cls !== undefined) {
          this.out += cls
          return
        }
        this.literal(this.charEscape(c))
      }
    }
  }

  /** \d \w \s \pX and their negations, as JS text; `inClass` gives text usable inside [...]. */
  private classEscape(c: string, inClass: boolean): string | undefined {
    switch (c) {
      case 'd':
        return inClass ? '0-9' : '[0-9]'
      case 'D':
        return inClass ? undefined : '[^0-9]'
      case 'w':
        return inClass ? '0-9A-Za-z_' : '[0-9A-Za-z_]'
      case 'W':
        return inClass ? undefined : '[^0-9A-Za-z_]'
      case 's':
        return inClass ? '\\t\\n\\f\\r ' : '[\\t\\n\\f\\r ]'
      case 'S':
        return inClass ? undefined : '[^\\t\\n\\f\\r ]'
      case 'p':
      case 'P':
        return this.unicodeClass(c === 'P')
      default:
        return undefined
    }
  }

  private unicodeClass(negated: boolean): string {
    const src = this.src
    let name: string
    if (src[this.pos] === '{') {
      const end = src.indexOf('}', this.pos)
      if (end < 0) throw invalid(`invalid character class range: \`${src.slice(this.pos - 2)}\``)
      name = src.slice(this.pos + 1, end)
      this.pos = end + 1
    } else {
      name = src[this.pos] ?? ''
      this.pos++
    }
    if (name.startsWith('^')) {
      negated = !negated
      name = name.slice(1)
    }
    let prop: string
    if (name === 'Any') return negated ? '[^\\s\\S]' : '[\\s\\S]'
    if (GENERAL_CATEGORIES.has(name)) prop = name
    else if (/^[A-Z][A-Za-z_]*$/.test(name)) prop = `Script=${name}`
    else throw invalid(`invalid character class range: \`\\p{${name}}\``)
    try {
      new RegExp(`\\p{${prop}}`, 'u')
    } catch {
      throw invalid(`invalid character class range: \`\\p{${name}}\``)
    }
    return `\\${negated ? 'P' : 'p'}{${prop}}`
  }

  /** A single-character escape (after the backslash): returns its code point. */
  private charEscape(c: string): number {
    const src = this.src
    switch (c) {
      case 'a':
        return 7
      case 'f':
        return 12
      case 'n':
        return 10
      case 'r':
        return 13
      case 't':
        return 9
      case 'v':
        return 11
      case 'x': {
        if (src[this.pos] === '{') {
          const end = src.indexOf('}', this.pos)
          const hex = end < 0 ? '' : src.slice(this.pos + 1, end)
          if (!/^[0-9A-Fa-f]{1,8}$/.test(hex) || Number.parseInt(hex, 16) > 0x10ffff) {
            throw invalid(`invalid escape sequence: \`\\x${src.slice(this.pos, end + 1)}\``)
          }
          this.pos = end + 1
          return Number.parseInt(hex, 16)
        }
        const hex = src.slice(this.pos, this.pos + 2)
        if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw invalid(`invalid escape sequence: \`\\x${hex}\``)
        this.pos += 2
        return Number.parseInt(hex, 16)
      }
    }
    if (c >= '0' && c <= '7') {
      // A lone \1..\7 would be a backreference, which RE2 does not support; \0 and multi-digit are octal.
      const m = /^[0-7]{0,2}/.exec(src.slice(this.pos))?.[0] ?? ''
      if (c !== '0' && m === '') throw invalid(`invalid escape sequence: \`\\${c}\``)
      this.pos += m.length
      return Number.parseInt(c + m, 8)
    }
    const cp = c.codePointAt(0) ?? 0
    if (cp < 0x80 && !/[0-9A-Za-z]/.test(c)) return cp
    throw invalid(`invalid escape sequence: \`\\${c}\``)
  }

  private charClass(): string {
    const src = this.src
    let negated = false
    if (src[this.pos] === '^') {
      negated = true
      this.pos++
    }
    const items: string[] = []
    const ranges: Array<[number, number]> = []
    let first = true
    for (;;) {
      if (this.pos >= src.length) throw invalid(`missing closing ]: \`${src}\``)
      const ch = src[this.pos] as string
      if (ch === ']' && !first) {
        this.pos++
        break
      }
      first = false
      if (src.startsWith('[:', this.pos)) {
        const end = src.indexOf(':]', this.pos + 2)
        if (end >= 0) {
          let name = src.slice(this.pos + 2, end)
          let neg = false
          if (name.startsWith('^')) {
            neg = true
            name = name.slice(1)
          }
          const body = POSIX_CLASSES[name]
          if (body === undefined) throw invalid(`invalid character class range: \`[:${name}:]\``)
          this.pos = end + 2
          if (neg) items.push(`[^${body}]`)
          else items.push(body)
          continue
        }
      }
      let lo: number
      if (ch === '\\') {
        const c = src[this.pos + 1]
        if (c === undefined) throw invalid('trailing backslash at end of expression: ``')
        this.pos += 2
        if ('dDwWsSpP'.includes(c)) {
          const inner = this.classEscape(c, true)
          if (inner !== undefined) {
            items.push(inner)
          } else {
            const body = this.classEscape(c.toLowerCase(), true) as string
            items.push(`[^${body}]`)
          }
          continue
        }
        lo = this.charEscape(c)
      } else {
        lo = src.codePointAt(this.pos) ?? 0
        this.pos += String.fromCodePoint(lo).length
      }
      let hi = lo
      if (src[this.pos] === '-' && src[this.pos + 1] !== ']' && this.pos + 1 < src.length) {
        this.pos++
        const c2 = src[this.pos] as string
        if (c2 === '\\') {
          const e = src[this.pos + 1]
          if (e === undefined) throw invalid('trailing backslash at end of expression: ``')
          this.pos += 2
          hi = this.charEscape(e)
        } else {
          hi = src.codePointAt(this.pos) ?? 0
          this.pos += String.fromCodePoint(hi).length
        }
        if (hi < lo)
          throw invalid(
            `invalid character class range: \`${String.fromCodePoint(lo)}-${String.fromCodePoint(hi)}\``,
          )
      }
      ranges.push([lo, hi])
    }
    const foldCase = this.flags.i && !this.globalIgnoreCase
    const parts: string[] = []
    for (const [lo, hi] of ranges) {
      parts.push(lo === hi ? codeEscape(lo) : `${codeEscape(lo)}-${codeEscape(hi)}`)
      if (foldCase && hi - lo <= 1000) {
        for (let cp = lo; cp <= hi; cp++) {
          for (const v of caseVariants(cp)) if (v < lo || v > hi) parts.push(codeEscape(v))
        }
      }
    }
    // Nested negated classes ([^…] inside a class) cannot be written in a JS `u` class, so alternate instead.
    const nested = items.filter((x) => x.startsWith('[^'))
    const flat = items.filter((x) => !x.startsWith('[^'))
    const body = [...parts, ...flat].join('')
    if (nested.length === 0) return `[${negated ? '^' : ''}${body}]`
    const alternatives = [body === '' ? undefined : `[${body}]`, ...nested].filter((x) => x !== undefined)
    const union = `(?:${alternatives.join('|')})`
    return negated ? `(?:(?!${union})[\\s\\S])` : union
  }
}

export interface GoRegexp {
  /** The global (`g`) JS RegExp; callers set lastIndex before exec. */
  readonly re: RegExp
  readonly source: string
  /** Capture group names by index (1-based index = position + 1); '' for unnamed groups. */
  readonly groupNames: readonly string[]
}

const cache = new Map<string, GoRegexp>()
const CACHE_LIMIT = 100

/** Compiles an RE2 pattern; throws BuiltinError for what Go's regexp.Compile rejects. */
export function compileGoRegexp(pattern: string): GoRegexp {
  const hit = cache.get(pattern)
  if (hit !== undefined) return hit
  // A leading (?i) that is never switched off can use JS's own case folding, which covers classes exactly.
  const globalIgnoreCase = /^\(\?[msU]*i[msU]*\)/.test(pattern) && !/\(\?[imsU]*-[msU]*i/.test(pattern)
  const t = new Translator(pattern, globalIgnoreCase)
  const js = t.translate()
  let re: RegExp
  try {
    re = new RegExp(js, globalIgnoreCase ? 'gui' : 'gu')
  } catch (error) {
    throw invalid(`${(error as Error).message}: \`${pattern}\``)
  }
  const compiled: GoRegexp = { re, source: pattern, groupNames: t.groupNames }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string)
  cache.set(pattern, compiled)
  return compiled
}

/** Go's regexp.QuoteMeta. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')
}
