// A small DER reader for the X.509 structures the crypto.x509.* builtins parse: tag/length/value walking,
// OBJECT IDENTIFIER, INTEGER, BIT STRING, the string types and UTCTime / GeneralizedTime.
import { BuiltinError } from '../host/index.js'

export interface Tlv {
  /** Tag class (0 universal, 1 application, 2 context-specific, 3 private). */
  cls: number
  constructed: boolean
  tag: number
  /** The whole element (header + value). */
  raw: Buffer
  value: Buffer
}

function malformed(what: string): BuiltinError {
  return new BuiltinError(`x509: malformed ${what}`)
}

/** Reads one element at `offset`; returns it and the offset after it. */
export function readTlv(buf: Buffer, offset: number): [Tlv, number] {
  if (offset + 2 > buf.length) throw malformed('DER element')
  const first = buf[offset] as number
  const cls = first >> 6
  const constructed = (first & 0x20) !== 0
  let tag = first & 0x1f
  let pos = offset + 1
  if (tag === 0x1f) {
    tag = 0
    for (;;) {
      const b = buf[pos++]
      if (b === undefined) throw malformed('DER tag')
      tag = tag * 128 + (b & 0x7f)
      if ((b & 0x80) === 0) break
    }
  }
  let len = buf[pos++]
  if (len === undefined) throw malformed('DER length')
  if (len & 0x80) {
    const n = len & 0x7f
    if (n === 0 || n > 4) throw malformed('DER length')
    len = 0
    for (let i = 0; i < n; i++) {
      const b = buf[pos++]
      if (b === undefined) throw malformed('DER length')
      len = len * 256 + b
    }
  }
  const end = pos + len
  if (end > buf.length) throw malformed('DER value')
  return [{ cls, constructed, tag, raw: buf.subarray(offset, end), value: buf.subarray(pos, end) }, end]
}

/** The children of a constructed element. */
export function children(tlv: Tlv): Tlv[] {
  const out: Tlv[] = []
  let pos = 0
  while (pos < tlv.value.length) {
    const [child, next] = readTlv(tlv.value, pos)
    out.push(child)
    pos = next
  }
  return out
}

export function parseDer(buf: Buffer): Tlv {
  const [tlv, end] = readTlv(buf, 0)
  if (end !== buf.length) throw new BuiltinError('x509: trailing data')
  return tlv
}

export function oidArcs(tlv: Tlv): number[] {
  const v = tlv.value
  if (v.length === 0) throw malformed('OID')
  const arcs: number[] = []
  let n = 0
  for (let i = 0; i < v.length; i++) {
    const b = v[i] as number
    n = n * 128 + (b & 0x7f)
    if ((b & 0x80) === 0) {
      if (arcs.length === 0) {
        const first = n < 80 ? Math.floor(n / 40) : 2
        arcs.push(first, n - first * 40)
      } else {
        arcs.push(n)
      }
      n = 0
    }
  }
  return arcs
}

export function oidString(tlv: Tlv): string {
  return oidArcs(tlv).join('.')
}

export function integer(tlv: Tlv): bigint {
  const v = tlv.value
  if (v.length === 0) return 0n
  let n = BigInt(`0x${v.toString('hex')}`)
  if ((v[0] as number) & 0x80) n -= 1n << BigInt(v.length * 8)
  return n
}

/** A BIT STRING's bytes and its count of unused trailing bits. */
export function bitString(tlv: Tlv): { bytes: Buffer; unused: number } {
  return { bytes: tlv.value.subarray(1), unused: tlv.value[0] ?? 0 }
}

export function stringValue(tlv: Tlv): string {
  switch (tlv.tag) {
    case 0x1e: {
      // BMPString: UTF-16BE
      const b = Buffer.from(tlv.value)
      return b.swap16().toString('utf16le')
    }
    case 0x1c: {
      // UniversalString: UTF-32BE
      let s = ''
      for (let i = 0; i + 4 <= tlv.value.length; i += 4) s += String.fromCodePoint(tlv.value.readUInt32BE(i))
      return s
    }
    case 0x14:
      // T61String: Go decodes it as Latin-1
      return tlv.value.toString('latin1')
    default:
      return tlv.value.toString('utf8')
  }
}

/** UTCTime / GeneralizedTime as Unix milliseconds. */
export function time(tlv: Tlv): number {
  const s = tlv.value.toString('latin1')
  let m: RegExpExecArray | null
  if (tlv.tag === 0x17) {
    m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s)
    if (m === null) throw malformed('UTCTime')
    const yy = Number(m[1])
    const year = yy >= 50 ? 1900 + yy : 2000 + yy
    return Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]))
  }
  m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.(\d+))?Z$/.exec(s)
  if (m === null) throw malformed('GeneralizedTime')
  const d = new Date(0)
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), Number(`0.${m[7] ?? '0'}`) * 1000)
  return d.getTime()
}
