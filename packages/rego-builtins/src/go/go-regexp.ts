// Go's regexp iteration rules where they differ from JavaScript's: FindAll skips an empty match that abuts the
// previous match, Split and Expand ($1, ${name}, $$) follow the regexp package. Patterns come from
// compileGoRegexp (re2-syntax.ts).
import type { GoRegexp } from './re2-syntax.js'

/**
 * Go's FindAll*Index iteration: successive non-overlapping matches, at most n (all when n < 0), skipping an
 * empty match that abuts the previous match. Returns the JS match arrays (index = UTF-16 offset).
 */
export function findAll(compiled: GoRegexp, s: string, n: number): RegExpExecArray[] {
  const out: RegExpExecArray[] = []
  if (n === 0) return out
  const re = compiled.re
  let pos = 0
  let prevEnd = -1
  while ((n < 0 || out.length < n) && pos <= s.length) {
    re.lastIndex = pos
    const m = re.exec(s)
    if (m === null) break
    const start = m.index
    const end = start + m[0].length
    let accept = true
    if (end === pos) {
      // An empty match at pos; Go drops it when it abuts the previous match, then steps one rune.
      if (start === prevEnd) accept = false
      const cp = s.codePointAt(pos)
      pos += cp === undefined ? 1 : cp > 0xffff ? 2 : 1
    } else {
      pos = end
    }
    prevEnd = end
    if (accept) out.push(m)
  }
  return out
}

/** Go's Regexp.Split(s, -1). */
export function goSplit(compiled: GoRegexp, s: string): string[] {
  if (compiled.source.length > 0 && s.length === 0) return ['']
  const parts: string[] = []
  let beg = 0
  let end = 0
  for (const m of findAll(compiled, s, -1)) {
    end = m.index
    if (m.index + m[0].length !== 0) parts.push(s.slice(beg, end))
    beg = m.index + m[0].length
  }
  if (end !== s.length) parts.push(s.slice(beg))
  return parts
}

/** Go's Regexp.Expand template language: $1, ${1}, $name, ${name}, $$. */
export function expandTemplate(compiled: GoRegexp, template: string, m: RegExpExecArray): string {
  let out = ''
  let i = 0
  while (i < template.length) {
    const at = template.indexOf('$', i)
    if (at < 0) {
      out += template.slice(i)
      break
    }
    out += template.slice(i, at)
    i = at + 1
    if (template[i] === '$') {
      out += '$'
      i++
      continue
    }
    let name: string | undefined
    if (template[i] === '{') {
      const close = template.indexOf('}', i)
      const inner = close < 0 ? '' : template.slice(i + 1, close)
      if (close >= 0 && /^[A-Za-z0-9_]+$/.test(inner)) {
        name = inner
        i = close + 1
      }
    } else {
      const word = /^[A-Za-z0-9_]+/.exec(template.slice(i))?.[0]
      if (word !== undefined) {
        name = word
        i += word.length
      }
    }
    if (name === undefined) {
      // Malformed reference: Go copies the '$' literally.
      out += '$'
      continue
    }
    if (/^\d+$/.test(name)) {
      const index = Number(name)
      out += index <= compiled.groupNames.length ? (m[index] ?? '') : ''
    } else {
      const index = compiled.groupNames.indexOf(name)
      out += index >= 0 ? (m[index + 1] ?? '') : ''
    }
  }
  return out
}
