// time.* builtins with OPA's semantics (topdown/time.go): nanosecond timestamps that must fit an int64,
// [ns, "Zone"] or [ns, "Zone", "layout"] arguments, Go reference-time layouts and OPA's named layouts, and
// time.now_ns() fixed for the whole evaluation (evaluation-scope.ts). Results are bigint where they can exceed
// 2^53, so they reach the policy exact.

import {
  daysIn,
  formatTime,
  fromCivil,
  integerValue,
  loadZone,
  NS_PER_SECOND,
  parseTime,
  recoverInteger,
  toCivil,
  UTC,
  type Zone,
} from '../go/index.js'
import type { BuiltinTable, HostContext } from '../host/index.js'
import { BuiltinError, intOperand, isNumber, operandTypeError, stringOperand } from '../host/index.js'

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

const RFC3339 = '2006-01-02T15:04:05Z07:00'
const RFC3339_NANO = '2006-01-02T15:04:05.999999999Z07:00'

/** OPA's acceptedTimeFormats: names accepted in place of a layout. */
const NAMED_LAYOUTS: Record<string, string> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339,
  RFC3339Nano: RFC3339_NANO,
}

function namedLayout(layout: string): string {
  return Object.hasOwn(NAMED_LAYOUTS, layout) ? (NAMED_LAYOUTS[layout] as string) : layout
}

function safeNs(ns: bigint): number | bigint {
  if (ns < INT64_MIN || ns > INT64_MAX) throw new BuiltinError('time outside of valid range')
  return integerValue(ns)
}

function timestamp(value: unknown): bigint {
  if (typeof value === 'bigint') {
    if (value < INT64_MIN || value > INT64_MAX) throw new BuiltinError('timestamp too big')
    return value
  }
  const n = value as number
  if (!Number.isInteger(n) || n < -(2 ** 63) || n >= 2 ** 63) throw new BuiltinError('timestamp too big')
  return recoverInteger(n)
}

interface ZonedTime {
  ns: bigint
  zone: Zone
  layout: string
}

/** OPA's tzTime: a number (UTC) or [ns, zone?, layout?]. */
function zonedTime(value: unknown): ZonedTime {
  const expected = 'either number (ns) or [number (ns), string (tz)]'
  if (isNumber(value)) return { ns: timestamp(value), zone: UTC, layout: '' }
  if (!Array.isArray(value) || value.length === 0) throw operandTypeError(1, value, expected)
  const first = value[0]
  if (!isNumber(first)) throw operandTypeError(1, first, 'number')
  let zone = UTC
  if (value.length > 1) zone = loadZone(stringOperand(value[1], 1))
  let layout = ''
  if (value.length > 2) layout = stringOperand(value[2], 1)
  return { ns: timestamp(first), zone, layout }
}

const DURATION_UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: 1_000_000n,
  s: NS_PER_SECOND,
  m: 60n * NS_PER_SECOND,
  h: 3600n * NS_PER_SECOND,
}

function goQuote(s: string): string {
  return JSON.stringify(s)
}

/** Go's time.ParseDuration. */
export function parseGoDuration(input: string): bigint {
  const invalid = () => new BuiltinError(`time: invalid duration ${goQuote(input)}`)
  let s = input
  let neg = false
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-'
    s = s.slice(1)
  }
  if (s === '0') return 0n
  if (s === '') throw invalid()
  let total = 0n
  const limit = 1n << 63n
  while (s !== '') {
    if (!(s[0] === '.' || ((s[0] as string) >= '0' && (s[0] as string) <= '9'))) throw invalid()
    const intPart = /^\d*/.exec(s)?.[0] ?? ''
    s = s.slice(intPart.length)
    const pre = intPart !== ''
    let fracDigits = ''
    let post = false
    if (s[0] === '.') {
      s = s.slice(1)
      fracDigits = /^\d*/.exec(s)?.[0] ?? ''
      s = s.slice(fracDigits.length)
      post = fracDigits !== ''
    }
    if (!pre && !post) throw invalid()
    const unitText = /^[^0-9.]*/.exec(s)?.[0] ?? ''
    s = s.slice(unitText.length)
    if (unitText === '') throw new BuiltinError(`time: missing unit in duration ${goQuote(input)}`)
    const unit = Object.hasOwn(DURATION_UNITS, unitText) ? DURATION_UNITS[unitText] : undefined
    if (unit === undefined) {
      throw new BuiltinError(`time: unknown unit ${goQuote(unitText)} in duration ${goQuote(input)}`)
    }
    const v = BigInt(intPart || '0')
    if (v > limit / unit) throw invalid()
    let seg = v * unit
    if (fracDigits !== '') {
      // Go keeps at most the digits that fit in an int64 and scales with float64 arithmetic.
      let f = 0
      let scale = 1
      for (const d of fracDigits) {
        if (f > (2 ** 63 - 1) / 10) break
        f = f * 10 + Number(d)
        scale *= 10
      }
      seg += BigInt(Math.trunc(f * (Number(unit) / scale)))
      if (seg > limit) throw invalid()
    }
    total += seg
    if (total > limit) throw invalid()
  }
  if (neg) return -total
  if (total > limit - 1n) throw invalid()
  return total
}

const EXTENDED_UNITS: Record<string, number> = { d: 24, w: 7 * 24, y: 365 * 24 }

/** OPA's parseExtendedDuration: Go durations plus d, w and y segments (rewritten to hours). */
function parseExtendedDuration(s: string): bigint {
  if (s === '') throw new BuiltinError(`time: invalid duration ${goQuote(s)}`)
  if (!/[dwy]/.test(s)) return parseGoDuration(s)
  const m = /^([-+]?)((?:[0-9.]+(?:ms|us|µs|ns|[a-z]))+)$/.exec(s)
  if (m === null) throw new BuiltinError(`time: invalid duration ${goQuote(s)}`)
  let rewritten = m[1] ?? ''
  for (const seg of (m[2] as string).matchAll(/([0-9.]+)(ms|us|µs|ns|[a-z])/g)) {
    const [, digits = '', unit = ''] = seg
    const coeff = EXTENDED_UNITS[unit]
    if (coeff === undefined) {
      rewritten += digits + unit
      continue
    }
    if (!/^(\d+\.?\d*|\.\d+)$/.test(digits)) throw new BuiltinError(`time: invalid duration ${goQuote(s)}`)
    const hours = Number(digits) * coeff
    rewritten += `${hours.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 })}h`
  }
  try {
    return parseGoDuration(rewritten)
  } catch (error) {
    const msg = (error as Error).message
    throw new BuiltinError(`${msg.slice(0, msg.lastIndexOf(' '))} ${goQuote(s)}`)
  }
}

function addDate(t: unknown, years: unknown, months: unknown, days: unknown): number | bigint {
  const { ns, zone } = zonedTime(t)
  const y = intOperand(years, 2)
  const mo = intOperand(months, 3)
  const d = intOperand(days, 4)
  const c = toCivil(ns, zone)
  return safeNs(
    fromCivil(c.year + y, c.month + mo, c.day + d, c.hour, c.minute, c.second, c.nanosecond, zone),
  )
}

function diff(a: unknown, b: unknown): number[] {
  const t1 = zonedTime(a)
  const t2 = zonedTime(b)
  // Both ends are read in the first argument's zone.
  const [lo, hi] = t1.ns > t2.ns ? [t2.ns, t1.ns] : [t1.ns, t2.ns]
  const earlier = toCivil(lo, t1.zone)
  const later = toCivil(hi, t1.zone)
  let year = later.year - earlier.year
  let month = later.month - earlier.month
  let day = later.day - earlier.day
  let hour = later.hour - earlier.hour
  let min = later.minute - earlier.minute
  let sec = later.second - earlier.second
  if (sec < 0) {
    sec += 60
    min--
  }
  if (min < 0) {
    min += 60
    hour--
  }
  if (hour < 0) {
    hour += 24
    day--
  }
  if (day < 0) {
    // Days in the earlier month (Go: 32 - Date(y1, M1, 32).Day()).
    day += daysIn(earlier.month, earlier.year)
    month--
  }
  if (month < 0) {
    month += 12
    year--
  }
  return [year, month, day, hour, min, sec]
}

export function timeBuiltins(host: HostContext): BuiltinTable {
  return {
    'time.now_ns': () => integerValue(host.scope.nowNs()),
    'time.parse_ns': (layout, value) =>
      safeNs(parseTime(namedLayout(stringOperand(layout, 1)), stringOperand(value, 2))),
    'time.parse_rfc3339_ns': (value) => safeNs(parseTime(RFC3339, stringOperand(value, 1))),
    'time.parse_duration_ns': (value) => integerValue(parseExtendedDuration(stringOperand(value, 1))),
    'time.format': (value) => {
      const { ns, zone, layout } = zonedTime(value)
      return formatTime(ns, zone, layout === '' ? RFC3339_NANO : namedLayout(layout))
    },
    'time.date': (value) => {
      const { ns, zone } = zonedTime(value)
      const c = toCivil(ns, zone)
      return [c.year, c.month, c.day]
    },
    'time.clock': (value) => {
      const { ns, zone } = zonedTime(value)
      const c = toCivil(ns, zone)
      return [c.hour, c.minute, c.second]
    },
    'time.weekday': (value) => {
      const { ns, zone } = zonedTime(value)
      return WEEKDAYS[toCivil(ns, zone).weekday]
    },
    'time.add_date': addDate,
    'time.diff': diff,
  }
}
