// Regex builtins that OPA's wasm compiler leaves to the host: regex.split, regex.find_n, regex.replace and
// regex.template_match (and regex.globs_match, glob-intersection.ts), all with Go (RE2) pattern syntax and Go's match-iteration rules (re2-syntax.ts).
// regex.split is also in opa-wasm's own JS table, where it uses JS split semantics; ours replaces it.

import { compileGoRegexp, expandTemplate, findAll, globsIntersect, goSplit, quoteMeta } from '../go/index.js'
import type { BuiltinTable } from '../host/index.js'
import { BuiltinError, intOperand, stringOperand } from '../host/index.js'

function regexSplit(pattern: unknown, value: unknown): string[] {
  const p = stringOperand(pattern, 1)
  const s = stringOperand(value, 2)
  return goSplit(compileGoRegexp(p), s)
}

function regexFindN(pattern: unknown, value: unknown, count: unknown): string[] {
  const p = stringOperand(pattern, 1)
  const s = stringOperand(value, 2)
  const n = intOperand(count, 3)
  return findAll(compileGoRegexp(p), s, n).map((m) => m[0])
}

function regexReplace(base: unknown, pattern: unknown, value: unknown): string {
  const s = stringOperand(base, 1)
  const p = stringOperand(pattern, 2)
  const repl = stringOperand(value, 3)
  const re = compileGoRegexp(p)
  let out = ''
  let last = 0
  for (const m of findAll(re, s, -1)) {
    out += s.slice(last, m.index) + expandTemplate(re, repl, m)
    last = m.index + m[0].length
  }
  return out + s.slice(last)
}

function delimiterIndices(s: string, open: string, close: string): number[] {
  let level = 0
  let idx = 0
  const idxs: number[] = []
  for (let i = 0; i < s.length; i++) {
    if (s[i] === open) {
      level++
      if (level === 1) idx = i
    } else if (s[i] === close) {
      level--
      if (level === 0) idxs.push(idx, i + 1)
      else if (level < 0) throw new BuiltinError(`unbalanced braces in ${JSON.stringify(s)}`)
    }
  }
  if (level !== 0) throw new BuiltinError(`unbalanced braces in ${JSON.stringify(s)}`)
  return idxs
}

/** OPA's generateRegexTemplate: literal text quoted, each delimited section a capture group. */
function templatePattern(tpl: string, open: string, close: string): string {
  const idxs = delimiterIndices(tpl, open, close)
  let pattern = '^'
  let end = 0
  for (let i = 0; i < idxs.length; i += 2) {
    const raw = tpl.slice(end, idxs[i])
    end = idxs[i + 1] as number
    const inner = tpl.slice((idxs[i] as number) + 1, end - 1)
    compileGoRegexp(`^${inner}$`)
    pattern += `${quoteMeta(raw)}(${inner})`
  }
  return `${pattern}${quoteMeta(tpl.slice(end))}$`
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8')
}

function templateMatch(pattern: unknown, match: unknown, start: unknown, end: unknown): boolean {
  const tpl = stringOperand(pattern, 1)
  const s = stringOperand(match, 2)
  const open = stringOperand(start, 3)
  const close = stringOperand(end, 4)
  if (byteLength(open) !== 1) {
    throw new BuiltinError(
      `start delimiter has to be exactly one character long but is ${byteLength(open)} long`,
    )
  }
  if (byteLength(close) !== 1) {
    throw new BuiltinError(
      `end delimiter has to be exactly one character long but is ${byteLength(open)} long`,
    )
  }
  const re = compileGoRegexp(templatePattern(tpl, open, close))
  re.re.lastIndex = 0
  return re.re.test(s)
}

export function regexBuiltins(): BuiltinTable {
  return {
    'regex.split': regexSplit,
    'regex.find_n': regexFindN,
    'regex.replace': regexReplace,
    'regex.template_match': templateMatch,
    'regex.globs_match': (a, b) => globsIntersect(stringOperand(a, 1), stringOperand(b, 2)),
  }
}
