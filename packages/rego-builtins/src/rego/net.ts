// net.cidr_is_valid, net.cidr_expand, net.cidr_merge and net.cidr_contains_matches (net.cidr_contains,
// _intersects and _overlap are compiled into the wasm module), with Go's address parsing and printing
// (net-ip.ts) and OPA's merge rules: overlapping or adjacent blocks merge, merged ranges are split into the
// fewest CIDRs, untouched inputs come back as written (masked); a bare IPv4 address takes its classful mask.

import {
  type Cidr,
  cidrContainsAddress,
  cidrToString,
  firstAddress,
  ipToString,
  lastAddress,
  parseCIDR,
  parseIP,
  V4_MAPPED,
} from '../go/index.js'
import type { BuiltinTable } from '../host/index.js'
import { BuiltinError, stringOperand } from '../host/index.js'
import { isObject, RegoSet, setOf } from '../values/index.js'

/** net.cidr_expand refuses blocks larger than this instead of exhausting memory. */
const MAX_EXPAND = 1 << 20

function cidrOperand(value: unknown, pos: number): Cidr {
  const s = stringOperand(value, pos)
  const c = parseCIDR(s)
  if (c === undefined) throw new BuiltinError(`invalid CIDR address: ${s}`)
  return c
}

function cidrExpand(value: unknown): RegoSet<string> {
  const c = cidrOperand(value, 1)
  const first = firstAddress(c)
  const last = lastAddress(c)
  if (last - first + 1n > BigInt(MAX_EXPAND)) {
    throw new BuiltinError(`net.cidr_expand: more than ${MAX_EXPAND} addresses`)
  }
  const out: string[] = []
  for (let a = first; a <= last; a++) out.push(ipToString(a))
  return setOf(out)
}

/** OPA's builtinNetCIDRContains for two strings (CIDR, then address or CIDR). */
export function cidrContains(a: unknown, b: unknown): boolean {
  const net = cidrOperand(a, 1)
  const s = stringOperand(b, 1)
  const ip = parseIP(s)
  if (ip !== undefined) return cidrContainsAddress(net, ip)
  const other = parseCIDR(s)
  if (other === undefined)
    throw new BuiltinError(`not a valid textual representation of an IP address or CIDR: ${s}`)
  if (!cidrContainsAddress(net, other.ip)) return false
  return cidrContainsAddress(net, { len: other.ip.len, value: lastAddress(other) })
}

interface Range {
  first: bigint
  last: bigint
  network: Cidr | undefined
}

function classfulPrefix(value: bigint): number {
  const firstOctet = Number((value >> 24n) & 0xffn)
  return firstOctet < 0x80 ? 8 : firstOctet < 0xc0 ? 16 : 24
}

function mergeInput(value: unknown): Cidr {
  if (typeof value !== 'string') throw new BuiltinError('element must be string')
  const ip = parseIP(value)
  if (ip === undefined) {
    const c = parseCIDR(value)
    if (c === undefined) throw new BuiltinError(`invalid CIDR address: ${value}`)
    return c
  }
  if (ip.len === 4 || ip.value >> 32n === 0xffffn) {
    return { ip: { len: 4, value: V4_MAPPED | (ip.value & 0xffffffffn) }, prefix: classfulPrefix(ip.value) }
  }
  throw new BuiltinError('IPv6 invalid: needs prefix length')
}

/** The fewest CIDR blocks exactly covering [first, last]. */
function rangeToCidrs(first: bigint, last: bigint): string[] {
  const out: string[] = []
  let a = first
  while (a <= last) {
    let size = 0
    while (size < 128) {
      const block = 1n << BigInt(size + 1)
      if (a % block !== 0n || a + block - 1n > last) break
      size++
    }
    const bits = 128 - size
    const v4 = a >> 32n === 0xffffn && bits >= 96
    out.push(
      cidrToString(
        v4 ? { ip: { len: 4, value: a }, prefix: bits - 96 } : { ip: { len: 16, value: a }, prefix: bits },
      ),
    )
    a += 1n << BigInt(size)
  }
  return out
}

function cidrMerge(value: unknown): RegoSet<string> {
  if (!Array.isArray(value)) throw new BuiltinError('operand must be an array')
  const ranges: Range[] = value.map((v) => {
    const c = mergeInput(v)
    return { first: firstAddress(c), last: lastAddress(c), network: c }
  })
  ranges.sort((x, y) =>
    x.last !== y.last ? (x.last < y.last ? -1 : 1) : x.first < y.first ? -1 : x.first > y.first ? 1 : 0,
  )
  for (let i = ranges.length - 1; i > 0; i--) {
    const cur = ranges[i] as Range
    const prev = ranges[i - 1] as Range
    const before = cur.first === 0n || cur.first === V4_MAPPED ? cur.first : cur.first - 1n
    if (before <= prev.last) {
      ranges[i - 1] = {
        first: [prev.first, cur.first].sort((x, y) => (x < y ? -1 : 1))[0] as bigint,
        last: cur.last,
        network: undefined,
      }
      ranges.splice(i, 1)
    }
  }
  const out: string[] = []
  for (const r of ranges) {
    if (r.network !== undefined) out.push(cidrToString(r.network))
    else out.push(...rangeToCidrs(r.first, r.last))
  }
  return setOf(out)
}

function matchTerm(x: unknown, pos: number): unknown {
  if (typeof x === 'string') return x
  if (Array.isArray(x) && !(x instanceof RegoSet) && x.length > 0) return x[0]
  throw new BuiltinError(`operand ${pos}: element must be string or non-empty array`)
}

// A match names its CIDR by the string itself, an array's by index, a set's by the element, an object's by key.
function eachMatch(value: unknown, pos: number, f: (cidr: unknown, index: unknown) => void): void {
  if (typeof value === 'string') {
    f(value, value)
  } else if (value instanceof RegoSet) {
    for (const item of value) f(matchTerm(item, pos), item)
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) f(matchTerm(value[i], pos), i)
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) f(matchTerm(v, pos), k)
  }
}

function cidrContainsMatches(a: unknown, b: unknown): RegoSet {
  const out: unknown[] = []
  eachMatch(a, 1, (cidr1, i1) => {
    eachMatch(b, 2, (cidr2, i2) => {
      if (cidrContains(cidr1, cidr2)) out.push([i1, i2])
    })
  })
  return setOf(out)
}

export function netBuiltins(): BuiltinTable {
  return {
    'net.cidr_is_valid': (value) => typeof value === 'string' && parseCIDR(value) !== undefined,
    'net.cidr_expand': cidrExpand,
    'net.cidr_merge': cidrMerge,
    'net.cidr_contains_matches': cidrContainsMatches,
  }
}
