// uuid.rfc4122 (a random version 4 UUID, the same one for the same argument within an evaluation) and
// uuid.parse, which reports what github.com/google/uuid reads from a UUID in any of its accepted forms.

import { integerValue, regoText } from '../go/index.js'
import type { BuiltinTable, HostContext } from '../host/index.js'
import { stringOperand } from '../host/index.js'

function formatUuid(b: Uint8Array): string {
  const hex = Buffer.from(b).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

function newUuid(randomBytes: (size: number) => Uint8Array): string {
  const b = Uint8Array.from(randomBytes(16))
  b[8] = ((b[8] ?? 0) & ~0xc0) | 0x80
  b[6] = ((b[6] ?? 0) & ~0xf0) | 0x40
  return formatUuid(b)
}

const HEX36 = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/

/** google/uuid.Parse: 36 chars, 38 (any wrapping pair), urn:uuid: + 36, or 32 hex digits. */
function parseUuidBytes(input: string): Uint8Array | undefined {
  let s = input
  if (s.length === 45) {
    if (s.slice(0, 9).toLowerCase() !== 'urn:uuid:') return undefined
    s = s.slice(9)
  } else if (s.length === 38) {
    s = s.slice(1, 37)
  } else if (s.length === 32) {
    return /^[0-9A-Fa-f]{32}$/.test(s) ? Uint8Array.from(Buffer.from(s, 'hex')) : undefined
  } else if (s.length !== 36) {
    return undefined
  }
  if (!HEX36.test(s)) return undefined
  return Uint8Array.from(Buffer.from(s.replaceAll('-', ''), 'hex'))
}

function variantName(b8: number): string {
  if ((b8 & 0xc0) === 0x80) return 'RFC4122'
  if ((b8 & 0xe0) === 0xc0) return 'Microsoft'
  if ((b8 & 0xe0) === 0xe0) return 'Future'
  return 'Reserved'
}

function macVariables(b: number): string {
  if ((b & 0b11) === 0b11) return 'local:multicast'
  if ((b & 0b01) === 0b01) return 'global:multicast'
  if ((b & 0b10) === 0b10) return 'local:unicast'
  return 'global:unicast'
}

const GREGORIAN_TO_UNIX_100NS = 122192928000000000n

function uuidParse(value: unknown): Record<string, unknown> | undefined {
  const b = parseUuidBytes(stringOperand(value, 1))
  if (b === undefined) return undefined
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const version = (b[6] ?? 0) >> 4
  const out: Record<string, unknown> = { version, variant: variantName(b[8] ?? 0) }
  if (version === 1 || version === 2) {
    const t =
      BigInt(dv.getUint32(0)) | (BigInt(dv.getUint16(4)) << 32n) | (BigInt(dv.getUint16(6) & 0xfff) << 48n)
    const since = t - GREGORIAN_TO_UNIX_100NS
    const sec = since / 10_000_000n
    const nsec = (since % 10_000_000n) * 100n
    out.time = integerValue(sec * 1_000_000_000n + nsec)
    out.nodeid = [...b.slice(10, 16)].map((x) => x.toString(16).padStart(2, '0')).join('-')
    out.macvariables = macVariables(b[10] ?? 0)
    out.clocksequence = dv.getUint16(8) & 0x3fff
    if (version === 2) {
      out.id = dv.getUint32(0)
      const domain = b[9] ?? 0
      out.domain = ['Person', 'Group', 'Org'][domain] ?? `Domain${domain}`
    }
  }
  return out
}

export function uuidBuiltins(host: HostContext): BuiltinTable {
  return {
    'uuid.rfc4122': (key) =>
      host.scope.remember(`uuid.rfc4122\u0000${regoText(key)}`, () => newUuid(host.randomBytes)),
    'uuid.parse': uuidParse,
  }
}
