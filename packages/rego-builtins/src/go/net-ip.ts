// IP addresses and CIDR blocks with Go's net package rules: ParseIP / ParseCIDR (no leading zeros in IPv4,
// no zones), IP.String (RFC 5952 compression, v4-mapped addresses printed as IPv4), IPNet.String. Addresses are
// bigint in a 128-bit space where IPv4 lives in ::ffff:0:0/96, as in OPA's CIDR merge code.

export interface IpAddr {
  /** 4 for IPv4 (dotted input), 16 for IPv6 input. */
  len: 4 | 16
  /** The address as a 128-bit number (IPv4 mapped into ::ffff:0:0/96). */
  value: bigint
}

export interface Cidr {
  /** Network address (masked). */
  ip: IpAddr
  /** Prefix length in bits of the address family written (32 or 128). */
  prefix: number
}

export const V4_MAPPED = 0xffffn << 32n
const ALL128 = (1n << 128n) - 1n

function parseIPv4(s: string): number[] | undefined {
  const parts = s.split('.')
  if (parts.length !== 4) return undefined
  const out: number[] = []
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return undefined
    const n = Number(p)
    if (n > 255) return undefined
    out.push(n)
  }
  return out
}

function parseIPv6(s: string): bigint | undefined {
  if (s.includes('%')) return undefined
  let head = s
  let tail = ''
  const dbl = s.indexOf('::')
  if (dbl >= 0) {
    if (s.indexOf('::', dbl + 1) >= 0) return undefined
    head = s.slice(0, dbl)
    tail = s.slice(dbl + 2)
  }
  const groups = (part: string): number[] | undefined => {
    if (part === '') return []
    const out: number[] = []
    const pieces = part.split(':')
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i] as string
      if (i === pieces.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p)
        if (v4 === undefined) return undefined
        out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number))
        continue
      }
      if (!/^[0-9A-Fa-f]{1,4}$/.test(p)) return undefined
      out.push(Number.parseInt(p, 16))
    }
    return out
  }
  const h = groups(head)
  const t = groups(tail)
  if (h === undefined || t === undefined) return undefined
  if (dbl < 0 && h.length !== 8) return undefined
  if (dbl >= 0 && h.length + t.length > 7) return undefined
  const all = [...h, ...new Array(8 - h.length - t.length).fill(0), ...t]
  let v = 0n
  for (const g of all) v = (v << 16n) | BigInt(g)
  return v
}

/** net.ParseIP. */
export function parseIP(s: string): IpAddr | undefined {
  const v4 = parseIPv4(s)
  if (v4 !== undefined)
    return {
      len: 4,
      value:
        V4_MAPPED |
        BigInt((v4[0] ?? 0) * 2 ** 24 + ((v4[1] ?? 0) << 16) + ((v4[2] ?? 0) << 8) + (v4[3] ?? 0)),
    }
  if (!s.includes(':')) return undefined
  const v6 = parseIPv6(s)
  return v6 === undefined ? undefined : { len: 16, value: v6 }
}

function isV4Mapped(v: bigint): boolean {
  return v >> 32n === 0xffffn
}

/** net.IP.String. */
export function ipToString(ip: IpAddr | bigint): string {
  const v = typeof ip === 'bigint' ? ip : ip.value
  if (isV4Mapped(v)) {
    const n = Number(v & 0xffffffffn)
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')
  }
  const groups: number[] = []
  for (let i = 7; i >= 0; i--) groups.push(Number((v >> BigInt(i * 16)) & 0xffffn))
  return formatIpv6Groups(groups)
}

/** Eight 16-bit groups in Go's (RFC 5952) form: lowercase hex, the longest run of two or more zeros as "::". */
export function formatIpv6Groups(groups: readonly number[]): string {
  let bestStart = -1
  let bestLen = 0
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i
      bestLen = j - i
    }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (bestStart < 0) return hex.join(':')
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`
}

/** Prefix length in the 128-bit space. */
export function prefix128(c: Cidr): number {
  return c.ip.len === 4 ? c.prefix + 96 : c.prefix
}

export function hostMask(bits128: number): bigint {
  return (1n << BigInt(128 - bits128)) - 1n
}

export function firstAddress(c: Cidr): bigint {
  return c.ip.value & (ALL128 ^ hostMask(prefix128(c)))
}

export function lastAddress(c: Cidr): bigint {
  return firstAddress(c) | hostMask(prefix128(c))
}

/** net.ParseCIDR; undefined when invalid. */
export function parseCIDR(s: string): Cidr | undefined {
  const slash = s.indexOf('/')
  if (slash < 0) return undefined
  const addr = s.slice(0, slash)
  const mask = s.slice(slash + 1)
  // netip.ParseAddr: dotted IPv4 is 4 bytes; IPv6 text (even v4-mapped) is 16.
  const ip = parseIP(addr)
  if (ip === undefined) return undefined
  if (!/^\d+$/.test(mask) || mask.length > 3) return undefined
  const n = Number(mask)
  if (n > ip.len * 8) return undefined
  const c: Cidr = { ip, prefix: n }
  return { ip: { len: ip.len, value: firstAddress(c) }, prefix: n }
}

/** net.IPNet.String. */
export function cidrToString(c: Cidr): string {
  if (c.ip.len === 16 && isV4Mapped(c.ip.value) && c.prefix >= 96)
    return `${ipToString(c.ip)}/${c.prefix - 96}`
  return `${ipToString(c.ip)}/${c.prefix}`
}

/** IPNet.Contains for an address. */
export function cidrContainsAddress(c: Cidr, ip: IpAddr): boolean {
  if (c.ip.len === 4 && !isV4Mapped(ip.value)) return false
  return ip.value >= firstAddress(c) && ip.value <= lastAddress(c)
}
