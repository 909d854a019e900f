// strings.render_template: Go text/template (as OPA's methodless fork) over JSON variables. Supported: text,
// {{pipeline}} with fields (.a.b), variables ($, $x), literals, parenthesised pipelines and `|` chains;
// if / else if / else, range (with $i, $v :=), with, define-free templates, {{- -}} trimming, comments, and the
// builtin functions and, or, not, len, index, eq, ne, lt, le, gt, ge, print, printf, println, urlquery. Missing
// keys print "<no value>", which OPA then rewrites to "<undefined>".
import { BuiltinError } from '../host/index.js'
import { compareStrings, isObject } from '../values/index.js'
import { type GoArg, goSprintf } from './go-fmt.js'
import { queryEscape } from './go-query-escape.js'
import { numberText } from './go-quote.js'

const NO_VALUE = Symbol('no value')

type Node =
  | { t: 'text'; text: string }
  | { t: 'action'; pipe: Pipe }
  | { t: 'if' | 'with'; pipe: Pipe; body: Node[]; else: Node[] }
  | { t: 'range'; pipe: Pipe; vars: string[]; body: Node[]; else: Node[] }

interface Pipe {
  decl: string[]
  cmds: Arg[][]
}

type Arg =
  | { a: 'field'; base: 'dot' | string; path: string[] }
  | { a: 'lit'; v: unknown }
  | { a: 'ident'; name: string }
  | { a: 'pipe'; pipe: Pipe }

function fail(message: string): BuiltinError {
  return new BuiltinError(`template: template:${message}`)
}

// ---- lexing ------------------------------------------------------------------------------------------

interface RawAction {
  kind: 'text' | 'action'
  text: string
}

function split(src: string): RawAction[] {
  const out: RawAction[] = []
  let pos = 0
  while (pos < src.length) {
    const open = src.indexOf('{{', pos)
    if (open < 0) {
      out.push({ kind: 'text', text: src.slice(pos) })
      break
    }
    let text = src.slice(pos, open)
    let inner = open + 2
    if (src.startsWith('- ', inner) || src.startsWith('-\t', inner) || src.startsWith('-\n', inner)) {
      text = text.replace(/\s+$/, '')
      inner += 1
    }
    if (text !== '') out.push({ kind: 'text', text })
    let close = -1
    let i = inner
    let quote = ''
    for (; i < src.length; i++) {
      const c = src[i]
      if (quote !== '') {
        if (c === '\\' && quote !== '`') i++
        else if (c === quote) quote = ''
        continue
      }
      if (c === '"' || c === '`' || c === "'") quote = c
      else if (src.startsWith('}}', i)) {
        close = i
        break
      }
    }
    if (close < 0) throw fail('1: unclosed action')
    let body = src.slice(inner, close)
    pos = close + 2
    if (/\s-$/.test(body)) {
      body = body.slice(0, -1)
      const m = /^\s*/.exec(src.slice(pos))
      pos += m?.[0].length ?? 0
    }
    out.push({ kind: 'action', text: body.trim() })
  }
  return out
}

function tokens(s: string): string[] {
  const out: string[] = []
  const re =
    /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)*'|:=|=|\||\(|\)|,|[^\s|()=,:]+(?::[^\s|()=,]+)*)/gy
  let m: RegExpExecArray | null
  let last = 0
  for (m = re.exec(s); m !== null; m = re.exec(s)) {
    out.push(m[1] as string)
    last = re.lastIndex
  }
  if (s.slice(last).trim() !== '') throw fail(`1: unexpected "${s.slice(last).trim()}" in command`)
  return out
}

// ---- parsing -----------------------------------------------------------------------------------------

function parseArg(tok: string): Arg {
  if (tok.startsWith('"')) return { a: 'lit', v: JSON.parse(tok) }
  if (tok.startsWith('`')) return { a: 'lit', v: tok.slice(1, -1) }
  if (tok.startsWith("'")) return { a: 'lit', v: JSON.parse(`"${tok.slice(1, -1)}"`).codePointAt(0) }
  if (tok === 'true' || tok === 'false') return { a: 'lit', v: tok === 'true' }
  if (tok === 'nil') return { a: 'lit', v: null }
  if (/^[+-]?(\d|\.\d)/.test(tok)) {
    const n = Number(tok)
    if (Number.isNaN(n)) throw fail(`1: bad number syntax: "${tok}"`)
    return { a: 'lit', v: n }
  }
  if (tok === '.') return { a: 'field', base: 'dot', path: [] }
  if (tok.startsWith('.')) return { a: 'field', base: 'dot', path: tok.slice(1).split('.') }
  if (tok.startsWith('$')) {
    const [name = '', ...path] = tok.split('.')
    return { a: 'field', base: name, path }
  }
  return { a: 'ident', name: tok }
}

function parsePipe(toks: string[]): Pipe {
  let i = 0
  const decl: string[] = []
  const assign = toks.findIndex((t) => t === ':=' || t === '=')
  if (assign > 0 && toks.slice(0, assign).every((t) => t.startsWith('$') || t === ',')) {
    for (const t of toks.slice(0, assign)) if (t !== ',') decl.push(t)
    i = assign + 1
  }
  const cmds: Arg[][] = [[]]
  for (; i < toks.length; i++) {
    const t = toks[i] as string
    if (t === '|') {
      cmds.push([])
      continue
    }
    if (t === '(') {
      let depth = 1
      let j = i + 1
      for (; j < toks.length && depth > 0; j++) {
        if (toks[j] === '(') depth++
        if (toks[j] === ')') depth--
      }
      ;(cmds[cmds.length - 1] as Arg[]).push({ a: 'pipe', pipe: parsePipe(toks.slice(i + 1, j - 1)) })
      i = j - 1
      continue
    }
    ;(cmds[cmds.length - 1] as Arg[]).push(parseArg(t))
  }
  if (cmds.some((c) => c.length === 0)) throw fail('1: missing value for command')
  return { decl, cmds }
}

function parse(src: string): Node[] {
  const raw = split(src)
  let pos = 0
  // Parses nodes up to an {{end}} / {{else …}} (returned as `term`) or the end of input (term '').
  const list = (): { nodes: Node[]; term: string } => {
    const nodes: Node[] = []
    while (pos < raw.length) {
      const r = raw[pos++] as RawAction
      if (r.kind === 'text') {
        nodes.push({ t: 'text', text: r.text })
        continue
      }
      if (r.text.startsWith('/*')) continue
      const toks = tokens(r.text)
      const head = toks[0] ?? ''
      if (head === 'end' || head === 'else') return { nodes, term: r.text }
      if (head === 'if' || head === 'with' || head === 'range') {
        nodes.push(control(head, toks.slice(1)))
        continue
      }
      nodes.push({ t: 'action', pipe: parsePipe(toks) })
    }
    return { nodes, term: '' }
  }
  const control = (head: string, rest: string[]): Node => {
    const pipe = parsePipe(rest)
    const body = list()
    if (body.term === '') throw fail('1: unexpected EOF')
    let elseNodes: Node[] = []
    if (body.term !== 'end') {
      const elseToks = tokens(body.term).slice(1)
      if (elseToks.length > 0) {
        // {{else if …}} / {{else with …}}: a nested control that consumes the shared {{end}}.
        elseNodes = [control(elseToks[0] as string, elseToks.slice(1))]
      } else {
        const e = list()
        if (e.term !== 'end') throw fail('1: expected end')
        elseNodes = e.nodes
      }
    }
    if (head === 'range')
      return {
        t: 'range',
        pipe: { decl: [], cmds: pipe.cmds },
        vars: pipe.decl,
        body: body.nodes,
        else: elseNodes,
      }
    return { t: head === 'with' ? 'with' : 'if', pipe, body: body.nodes, else: elseNodes }
  }
  const top = list()
  if (top.term !== '') throw fail(`1: unexpected {{${top.term}}}`)
  return top.nodes
}

// ---- execution ---------------------------------------------------------------------------------------

function truthy(v: unknown): boolean {
  if (v === NO_VALUE || v === null || v === undefined || v === false || v === 0 || v === '') return false
  if (Array.isArray(v)) return v.length > 0
  if (isObject(v)) return Object.keys(v).length > 0
  return true
}

/** Go's %v of a JSON-decoded value (maps print as map[k:v], slices as [a b]). */
function printValue(v: unknown): string {
  if (v === NO_VALUE) return '<no value>'
  if (v === null || v === undefined) return '<nil>'
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'bigint') return numberText(v)
  if (typeof v === 'boolean') return String(v)
  if (Array.isArray(v)) return `[${v.map(printValue).join(' ')}]`
  if (isObject(v)) {
    return `map[${Object.keys(v)
      .sort(compareStrings)
      .map((k) => `${k}:${printValue(v[k])}`)
      .join(' ')}]`
  }
  return String(v)
}

function toGoArg(v: unknown): GoArg {
  if (typeof v === 'string') return { kind: 'string', value: v }
  if (typeof v === 'number')
    return Number.isInteger(v) ? { kind: 'int64', value: BigInt(v) } : { kind: 'float64', value: v }
  if (typeof v === 'bigint') return { kind: 'bigint', value: v }
  return { kind: 'string', value: printValue(v) }
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b)
  throw fail('1: incompatible types for comparison')
}

type Scope = Map<string, unknown>

function execute(nodes: Node[], dot: unknown, vars: Scope): string {
  let out = ''
  for (const n of nodes) {
    switch (n.t) {
      case 'text':
        out += n.text
        break
      case 'action': {
        const v = evalPipe(n.pipe, dot, vars)
        if (n.pipe.decl.length === 0) out += printValue(v)
        break
      }
      case 'if': {
        const v = evalPipe(n.pipe, dot, vars)
        out += execute(truthy(v) ? n.body : n.else, dot, new Map(vars))
        break
      }
      case 'with': {
        const v = evalPipe(n.pipe, dot, vars)
        out += truthy(v) ? execute(n.body, v, new Map(vars)) : execute(n.else, dot, new Map(vars))
        break
      }
      case 'range': {
        const v = evalPipe(n.pipe, dot, vars)
        const entries: Array<[unknown, unknown]> = Array.isArray(v)
          ? v.map((x, i) => [i, x])
          : isObject(v)
            ? Object.keys(v)
                .sort(compareStrings)
                .map((k) => [k, v[k]])
            : typeof v === 'number'
              ? Array.from({ length: v }, (_, i) => [i, i])
              : []
        if (entries.length === 0) {
          out += execute(n.else, dot, new Map(vars))
          break
        }
        for (const [k, x] of entries) {
          const scope = new Map(vars)
          if (n.vars.length === 1) scope.set(n.vars[0] as string, x)
          if (n.vars.length === 2) {
            scope.set(n.vars[0] as string, k)
            scope.set(n.vars[1] as string, x)
          }
          out += execute(n.body, x, scope)
        }
        break
      }
    }
  }
  return out
}

function field(base: unknown, path: string[]): unknown {
  let v = base
  for (const p of path) {
    if (v === NO_VALUE || v === null) return NO_VALUE
    if (!isObject(v))
      throw fail(`1: can't evaluate field ${p} in type ${Array.isArray(v) ? '[]interface {}' : typeof v}`)
    v = Object.hasOwn(v, p) ? v[p] : NO_VALUE
  }
  return v
}

function evalArg(arg: Arg, dot: unknown, vars: Scope): unknown {
  switch (arg.a) {
    case 'lit':
      return arg.v
    case 'pipe':
      return evalPipe(arg.pipe, dot, vars)
    case 'field': {
      if (arg.base === 'dot') return field(dot, arg.path)
      if (!vars.has(arg.base)) throw fail(`1: undefined variable "${arg.base}"`)
      return field(vars.get(arg.base), arg.path)
    }
    case 'ident':
      return callFunction(arg.name, [])
  }
}

function callFunction(name: string, args: unknown[]): unknown {
  switch (name) {
    case 'and':
      return args.find((a) => !truthy(a)) ?? args[args.length - 1]
    case 'or':
      return args.find(truthy) ?? args[args.length - 1]
    case 'not':
      return !truthy(args[0])
    case 'len': {
      const v = args[0]
      if (typeof v === 'string') return Buffer.byteLength(v)
      if (Array.isArray(v)) return v.length
      if (isObject(v)) return Object.keys(v).length
      throw fail('1: error calling len: len of type')
    }
    case 'index': {
      let v = args[0]
      for (const k of args.slice(1)) {
        if (Array.isArray(v) && typeof k === 'number') v = v[k]
        else if (isObject(v) && typeof k === 'string') v = Object.hasOwn(v, k) ? v[k] : NO_VALUE
        else throw fail('1: error calling index: cannot index')
      }
      return v
    }
    case 'eq':
      return args.slice(1).some((b) => compare(args[0], b) === 0)
    case 'ne':
      return compare(args[0], args[1]) !== 0
    case 'lt':
      return compare(args[0], args[1]) < 0
    case 'le':
      return compare(args[0], args[1]) <= 0
    case 'gt':
      return compare(args[0], args[1]) > 0
    case 'ge':
      return compare(args[0], args[1]) >= 0
    case 'print':
      return args.map(printValue).join('')
    case 'println':
      return `${args.map(printValue).join(' ')}\n`
    case 'printf':
      return goSprintf(String(args[0]), args.slice(1).map(toGoArg))
    case 'urlquery':
      return queryEscape(args.map(printValue).join(''))
    default:
      throw fail(`1: function "${name}" not defined`)
  }
}

function evalPipe(pipe: Pipe, dot: unknown, vars: Scope): unknown {
  let value: unknown = NO_VALUE
  pipe.cmds.forEach((cmd, i) => {
    const [first, ...rest] = cmd
    if (first === undefined) return
    const extra = i > 0 ? [value] : []
    if (first.a === 'ident') {
      value = callFunction(first.name, [...rest.map((a) => evalArg(a, dot, vars)), ...extra])
    } else {
      if (rest.length > 0 || extra.length > 0) throw fail(`1: can't give argument to non-function`)
      value = evalArg(first, dot, vars)
    }
  })
  for (const d of pipe.decl) vars.set(d, value)
  return value
}

/** Parses and executes a template against the variables object. */
export function renderGoTemplate(template: string, variables: Record<string, unknown>): string {
  const nodes = parse(template)
  return execute(nodes, variables, new Map([['$', variables]]))
}
