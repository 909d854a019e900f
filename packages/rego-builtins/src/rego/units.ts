// units.parse (SI and binary suffixes, "m" for milli) and units.parse_bytes, ported from OPA's
// topdown/parse_units.go and parse_bytes.go, exact arithmetic included: units.parse multiplies by the binary
// double 0.001 for "m" and prints non-integers with 10 decimals, as big.Rat does there.

import {
  floatString,
  fromDouble,
  integerValue,
  isInteger,
  multiply,
  parseDecimal,
  type Rational,
  truncate,
} from '../go/index.js'
import type { BuiltinTable } from '../host/index.js'
import { BuiltinError, stringOperand } from '../host/index.js'

const MAX_EXPONENT_DIGITS = 6

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9'

/** OPA's extractNumAndUnit; throws when the exponent has too many digits. */
function extractNumAndUnit(s: string): [string, string] {
  let firstNonNum = -1
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string
    if (!(isDigit(c) || c === '.') && c !== 'e' && c !== 'E' && c !== '+' && c !== '-') {
      firstNonNum = i
      break
    }
    if (c === 'e' || c === 'E') {
      const next = s[i + 1]
      if (i === s.length - 1 || (!isDigit(next) && next !== '+' && next !== '-')) {
        firstNonNum = i
        break
      }
      if (next === '+' || next === '-') i++
      let end = i + 1
      while (end < s.length && isDigit(s[end])) end++
      if (end - (i + 1) > MAX_EXPONENT_DIGITS) throw new BuiltinError('exponent too large')
    }
  }
  if (firstNonNum === -1) return [s, '']
  if (firstNonNum === 0) return ['', s]
  return [s.slice(0, firstNonNum), s.slice(firstNonNum)]
}

const UNITS: Record<string, bigint> = {
  '': 1n,
  k: 1000n,
  K: 1000n,
  M: 10n ** 6n,
  g: 10n ** 9n,
  G: 10n ** 9n,
  t: 10n ** 12n,
  T: 10n ** 12n,
  p: 10n ** 15n,
  P: 10n ** 15n,
  e: 10n ** 18n,
  E: 10n ** 18n,
  ki: 1n << 10n,
  Ki: 1n << 10n,
  mi: 1n << 20n,
  Mi: 1n << 20n,
  gi: 1n << 30n,
  Gi: 1n << 30n,
  ti: 1n << 40n,
  Ti: 1n << 40n,
  pi: 1n << 50n,
  Pi: 1n << 50n,
  ei: 1n << 60n,
  Ei: 1n << 60n,
}

function unitsFactor(unit: string): Rational | undefined {
  if (unit === 'm') return fromDouble(0.001)
  const factor = Object.hasOwn(UNITS, unit) ? UNITS[unit] : undefined
  return factor === undefined ? undefined : { num: factor, den: 1n }
}

function unitsParse(value: unknown): number | bigint {
  const s = stringOperand(value, 1).replaceAll('"', '')
  if (s.includes(' ')) throw new BuiltinError('spaces not allowed in resource strings')
  let num: string
  let unit: string
  try {
    ;[num, unit] = extractNumAndUnit(s)
  } catch {
    throw new BuiltinError('exponent too large')
  }
  if (num === '') throw new BuiltinError('no amount provided')
  if (unit.length > 1) unit = unit[0] + unit.slice(1).toLowerCase()
  const factor = unitsFactor(unit)
  if (factor === undefined) throw new BuiltinError(`unit ${unit} not recognized`)
  const amount = parseDecimal(num)
  if (amount === undefined) throw new BuiltinError('could not parse amount to a number')
  const result = multiply(amount, factor)
  if (isInteger(result)) return integerValue(result.num)
  return Number(floatString(result, 10))
}

const BYTES: Record<string, bigint> = {
  '': 1n,
  kb: 1000n,
  k: 1000n,
  kib: 1n << 10n,
  ki: 1n << 10n,
  mb: 10n ** 6n,
  m: 10n ** 6n,
  mib: 1n << 20n,
  mi: 1n << 20n,
  gb: 10n ** 9n,
  g: 10n ** 9n,
  gib: 1n << 30n,
  gi: 1n << 30n,
  tb: 10n ** 12n,
  t: 10n ** 12n,
  tib: 1n << 40n,
  ti: 1n << 40n,
  pb: 10n ** 15n,
  p: 10n ** 15n,
  pib: 1n << 50n,
  pi: 1n << 50n,
  eb: 10n ** 18n,
  e: 10n ** 18n,
  eib: 1n << 60n,
  ei: 1n << 60n,
}

function parseBytes(value: unknown): number | bigint {
  const s = stringOperand(value, 1).toLowerCase().replaceAll('"', '')
  if (s.includes(' ')) throw new BuiltinError('spaces not allowed in resource strings')
  let num: string
  let unit: string
  try {
    ;[num, unit] = extractNumAndUnit(s)
  } catch {
    throw new BuiltinError('exponent too large')
  }
  if (num === '') throw new BuiltinError('no byte amount provided')
  const factor = Object.hasOwn(BYTES, unit) ? BYTES[unit] : undefined
  if (factor === undefined) throw new BuiltinError(`byte unit ${unit} not recognized`)
  const amount = parseDecimal(num)
  if (amount === undefined) throw new BuiltinError('could not parse byte amount to a number')
  return integerValue(truncate(multiply(amount, { num: factor, den: 1n })))
}

export function unitsBuiltins(): BuiltinTable {
  return {
    'units.parse': unitsParse,
    'units.parse_bytes': parseBytes,
  }
}
