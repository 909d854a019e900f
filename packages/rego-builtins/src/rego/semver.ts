// semver.is_valid / semver.compare with the rules of OPA's internal/semver package (SemVer 2.0.0, an optional
// leading "v", no leading zeros in numeric identifiers).

import type { BuiltinTable } from '../host/index.js'
import { BuiltinError, stringOperand } from '../host/index.js'

interface Version {
  major: bigint
  minor: bigint
  patch: bigint
  preRelease: string
}

const IDENTIFIERS = /^[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*$/
const INT64_MAX = 2n ** 63n - 1n

function cut(s: string, sep: string): [string, string, boolean] {
  const i = s.indexOf(sep)
  return i < 0 ? [s, '', false] : [s.slice(0, i), s.slice(i + sep.length), true]
}

function numeric(s: string): bigint | undefined {
  if (!/^\d+$/.test(s) || (s.length > 1 && s[0] === '0')) return undefined
  const n = BigInt(s)
  return n > INT64_MAX ? undefined : n
}

function isAllDecimals(s: string): boolean {
  return /^\d+$/.test(s)
}

export function parseSemver(input: string): Version | undefined {
  let version = input.startsWith('v') ? input.slice(1) : input
  const [rest, metadata, hasMetadata] = cut(version, '+')
  if (hasMetadata && !IDENTIFIERS.test(metadata)) return undefined
  version = rest
  const [core, preRelease, hasPre] = cut(version, '-')
  if (hasPre) {
    if (!IDENTIFIERS.test(preRelease)) return undefined
    if (preRelease.split('.').some((id) => id.length > 1 && id[0] === '0' && isAllDecimals(id)))
      return undefined
  }
  const parts = core.split('.')
  if (parts.length !== 3) return undefined
  const [major, minor, patch] = parts.map(numeric)
  if (major === undefined || minor === undefined || patch === undefined) return undefined
  return { major, minor, patch, preRelease }
}

function cmp(a: bigint, b: bigint): number {
  return a > b ? 1 : a < b ? -1 : 0
}

export function compareSemver(v: Version, o: Version): number {
  const core = cmp(v.major, o.major) || cmp(v.minor, o.minor) || cmp(v.patch, o.patch)
  if (core !== 0) return core
  if (v.preRelease === o.preRelease) return 0
  if (v.preRelease === '') return 1
  if (o.preRelease === '') return -1
  const as = v.preRelease.split('.')
  const bs = o.preRelease.split('.')
  for (let i = 0; i < Math.max(as.length, bs.length); i++) {
    const a = as[i]
    const b = bs[i]
    if (a === undefined) return -1
    if (b === undefined) return 1
    const aInt = isAllDecimals(a)
    const bInt = isAllDecimals(b)
    if (aInt !== bInt) return aInt ? -1 : 1
    const c = aInt ? cmp(BigInt(a), BigInt(b)) : a > b ? 1 : a < b ? -1 : 0
    if (c !== 0) return c
  }
  return 0
}

export function semverBuiltins(): BuiltinTable {
  return {
    'semver.is_valid': (value) => typeof value === 'string' && parseSemver(value) !== undefined,
    'semver.compare': (a, b) => {
      const sa = stringOperand(a, 1)
      const sb = stringOperand(b, 2)
      const va = parseSemver(sa)
      if (va === undefined) throw new BuiltinError(`operand 1: string ${sa} is not a valid SemVer`)
      const vb = parseSemver(sb)
      if (vb === undefined) throw new BuiltinError(`operand 2: string ${sb} is not a valid SemVer`)
      return compareSemver(va, vb)
    },
  }
}
