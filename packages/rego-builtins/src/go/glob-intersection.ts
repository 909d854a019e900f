// regex.globs_match: whether two "glob-like" regular expressions (literals, ., [sets] and ranges, each
// optionally followed by + or *) match at least one common string. A port of github.com/yashtewari/
// glob-intersection v0.2.0, which OPA uses, including its tokenizer errors and simplification.
import { BuiltinError } from '../host/index.js'

type Flag = 0 | 1 | 2 // none, plus, star

interface Token {
  kind: 'char' | 'dot' | 'set'
  flag: Flag
  rune?: number
  runes?: Set<number>
}

const KIND_ORDER = { char: 0, dot: 1, set: 2 }

function invalid(input: number[], index: number, message: string): BuiltinError {
  return new BuiltinError(
    `input:${String.fromCodePoint(...input)}, pos:${index}, ${message}: the input provided is invalid`,
  )
}

function nextRune(i: number, input: number[]): { i: number; r: number; escaped: boolean } | undefined {
  if (i >= input.length) return undefined
  if (input[i] === 0x5c) {
    if (i === input.length - 1) throw invalid(input, i, 'input ends with a \\ (escape) character')
    return { i: i + 2, r: input[i + 1] as number, escaped: true }
  }
  return { i: i + 1, r: input[i] as number, escaped: false }
}

function nextSet(index: number, input: number[]): { i: number; token: Token } {
  const runes = new Set<number>()
  let prev = 0
  let prevExists = false
  let complete = false
  let i = index
  for (let next = nextRune(i, input); next !== undefined; next = nextRune(i, input)) {
    i = next.i
    let { r } = next
    if (!next.escaped) {
      if (r === 0x2d) {
        if (!prevExists)
          throw invalid(input, i, "range character '-' must be preceded by a Unicode character")
        if (i >= input.length - 1)
          throw invalid(input, i, "range character '-' must be followed by a Unicode character")
        const after = nextRune(i, input)
        if (after === undefined)
          throw invalid(input, i, "range character '-' must be followed by a Unicode character")
        i = after.i
        r = after.r
        if (!after.escaped && (r === 0x5d || r === 0x2d)) {
          throw invalid(input, i, "range character '-' cannot be followed by a special symbol")
        }
        if (r < prev) throw invalid(input, i, 'range is out of order')
        for (let x = prev; x <= r; x++) runes.add(x)
        prevExists = false
        continue
      }
      if (r === 0x5d) {
        complete = true
        break
      }
    }
    runes.add(r)
    prev = r
    prevExists = true
  }
  if (!complete) throw invalid(input, i, 'found [ without matching ]')
  return { i, token: { kind: 'set', flag: 0, runes } }
}

function tokenize(input: number[]): Token[] {
  const tokens: Token[] = []
  let i = 0
  for (let next = nextRune(i, input); next !== undefined; next = nextRune(i, input)) {
    i = next.i
    let token: Token
    if (!next.escaped && next.r === 0x2e) token = { kind: 'dot', flag: 0 }
    else if (!next.escaped && next.r === 0x5d) throw invalid(input, i, "set-close ']' with no preceding '['")
    else if (!next.escaped && next.r === 0x5b) {
      const set = nextSet(i, input)
      i = set.i
      token = set.token
    } else if (!next.escaped && (next.r === 0x2b || next.r === 0x2a)) {
      throw invalid(input, i, `flag '${String.fromCodePoint(next.r)}' must be preceded by a non-flag`)
    } else {
      token = { kind: 'char', flag: 0, rune: next.r }
    }
    const flag = nextRune(i, input)
    if (flag !== undefined && !flag.escaped && (flag.r === 0x2b || flag.r === 0x2a)) {
      token.flag = flag.r === 0x2b ? 1 : 2
      i = flag.i
    }
    tokens.push(token)
  }
  return tokens
}

function equal(a: Token, b: Token): boolean {
  if (a.kind !== b.kind) return false
  if (a.kind === 'char') return a.rune === b.rune
  if (a.kind === 'set') {
    const x = a.runes as Set<number>
    const y = b.runes as Set<number>
    return x.size === y.size && [...x].every((r) => y.has(r))
  }
  return true
}

function simplify(tokens: Token[]): Token[] {
  if (tokens.length === 0) return tokens
  const simple = [tokens[0] as Token]
  let latest = tokens[0] as Token
  for (const t of tokens.slice(1)) {
    if (t.flag !== 0 && latest.flag !== 0 && equal(t, latest)) {
      ;(simple[simple.length - 1] as Token).flag = t.flag === 1 || latest.flag === 1 ? 1 : 2
      continue
    }
    latest = t
    simple.push(t)
  }
  return simple
}

function match(t1: Token, t2: Token): boolean {
  const [a, b] = KIND_ORDER[t1.kind] > KIND_ORDER[t2.kind] ? [t2, t1] : [t1, t2]
  if (a.kind === 'char') {
    if (b.kind === 'char') return a.rune === b.rune
    if (b.kind === 'dot') return true
    return (b.runes as Set<number>).has(a.rune as number)
  }
  if (a.kind === 'dot') return true
  const bs = b.runes as Set<number>
  for (const r of a.runes as Set<number>) if (bs.has(r)) return true
  return false
}

function trim(g1: Token[], g2: Token[]): [Token[], Token[]] | undefined {
  let l = 0
  for (; l < g1.length && l < g2.length && g1[l]?.flag === 0 && g2[l]?.flag === 0; l++) {
    if (!match(g1[l] as Token, g2[l] as Token)) return undefined
  }
  if (l > 0) l--
  let r1 = g1.length - 1
  let r2 = g2.length - 1
  for (; r1 >= 0 && r1 >= l && r2 >= 0 && r2 >= l && g1[r1]?.flag === 0 && g2[r2]?.flag === 0; r1--, r2--) {
    if (!match(g1[r1] as Token, g2[r2] as Token)) return undefined
  }
  if (r1 < g1.length - 1) {
    r1++
    r2++
  }
  return [g1.slice(l, r1 + 1), g2.slice(l, r2 + 1)]
}

function intersectNormal(g1: Token[], g2: Token[]): boolean {
  let i = 0
  let j = 0
  for (; i < g1.length && j < g2.length; i++, j++) {
    const a = g1[i] as Token
    const b = g2[j] as Token
    if (a.flag === 0 && b.flag === 0) {
      if (!match(a, b)) return false
    } else {
      return intersectSpecial(g1.slice(i), g2.slice(j))
    }
  }
  return i === g1.length && j === g2.length
}

function intersectSpecial(g1: Token[], g2: Token[]): boolean {
  const a = g1[0] as Token
  if (a.flag !== 0) return a.flag === 1 ? intersectPlus(g1, g2) : intersectStar(g1, g2)
  const b = g2[0] as Token
  return b.flag === 1 ? intersectPlus(g2, g1) : b.flag === 2 ? intersectStar(g2, g1) : false
}

function intersectPlus(plussed: Token[], other: Token[]): boolean {
  if (!match(plussed[0] as Token, other[0] as Token)) return false
  if (intersectStar(plussed, other.slice(1))) return true
  return (other[0] as Token).flag !== 0 && intersectNormal(plussed.slice(1), other)
}

function intersectStar(starred: Token[], other: Token[]): boolean {
  const star = starred[0] as Token
  const next = starred[1]
  for (let i = 0; i < other.length; i++) {
    const t = other[i] as Token
    if (next !== undefined && match(t, next)) {
      if (intersectNormal(starred.slice(1), other.slice(i))) return true
      if (!match(t, star)) return false
    } else if (!match(t, star)) {
      return false
    }
  }
  return next === undefined
}

function glob(input: string): Token[] {
  return simplify(tokenize([...input].map((c) => c.codePointAt(0) as number)))
}

/** gintersect.NonEmpty. */
export function globsIntersect(lhs: string, rhs: string): boolean {
  const trimmed = trim(glob(lhs), glob(rhs))
  if (trimmed === undefined) return false
  return intersectNormal(trimmed[0], trimmed[1])
}
