// Go's time.Parse (time/format.go parse) with the default UTC location, errors worded like Go's ParseError.
import { BuiltinError } from '../host/index.js'
import { daysFromCivil, daysIn, fromCivil, isLeap } from './go-calendar.js'
import {
  isDigitAt,
  isIso8601Zone,
  LONG_DAY_NAMES,
  LONG_MONTH_NAMES,
  nextStdChunk,
  SHORT_DAY_NAMES,
  SHORT_MONTH_NAMES,
  Std,
} from './go-time-layout.js'
import { fixedZone, UTC } from './time-zones.js'

function goQuoteTime(s: string): string {
  let out = '"'
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte)
    if (byte >= 0x80 || byte < 0x20) out += `\\x${byte.toString(16).padStart(2, '0')}`
    else out += c === '"' || c === '\\' ? `\\${c}` : c
  }
  return `${out}"`
}

function parseError(
  layout: string,
  value: string,
  layoutElem: string,
  valueElem: string,
  message = '',
): BuiltinError {
  if (message === '') {
    return new BuiltinError(
      `parsing time ${goQuoteTime(value)} as ${goQuoteTime(layout)}: cannot parse ${goQuoteTime(valueElem)} as ${goQuoteTime(layoutElem)}`,
    )
  }
  return new BuiltinError(`parsing time ${goQuoteTime(value)}${message}`)
}

class Bad extends Error {}

function getnum(s: string, fixed: boolean): [number, string] {
  if (!isDigitAt(s, 0)) throw new Bad()
  if (!isDigitAt(s, 1)) {
    if (fixed) throw new Bad()
    return [Number(s[0]), s.slice(1)]
  }
  return [Number(s[0]) * 10 + Number(s[1]), s.slice(2)]
}

function getnum3(s: string, fixed: boolean): [number, string] {
  let n = 0
  let i = 0
  for (; i < 3 && isDigitAt(s, i); i++) n = n * 10 + Number(s[i])
  if (i === 0 || (fixed && i !== 3)) throw new Bad()
  return [n, s.slice(i)]
}

function skip(value: string, prefix: string): string {
  while (prefix.length > 0) {
    if (prefix[0] === ' ') {
      if (value.length > 0 && value[0] !== ' ') throw new Bad()
      prefix = prefix.replace(/^ +/, '')
      value = value.replace(/^ +/, '')
      continue
    }
    if (value.length === 0 || value[0] !== prefix[0]) throw new Bad()
    prefix = prefix.slice(1)
    value = value.slice(1)
  }
  return value
}

function lookup(table: readonly string[], value: string): [number, string] {
  for (let i = 0; i < table.length; i++) {
    const v = table[i] as string
    if (value.length >= v.length && value.slice(0, v.length).toLowerCase() === v.toLowerCase()) {
      return [i, value.slice(v.length)]
    }
  }
  throw new Bad()
}

function atoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new Bad()
  const n = Number(s)
  if (!Number.isSafeInteger(n)) throw new Bad()
  return n
}

function leadingInt(s: string): [number, string] | undefined {
  const m = /^\d+/.exec(s)
  if (m === null) return undefined
  return [Number(m[0]), s.slice(m[0].length)]
}

function parseSignedOffset(value: string): number {
  const sign = value[0]
  if (sign !== '-' && sign !== '+') return 0
  const r = leadingInt(value.slice(1))
  if (r === undefined || r[0] > 23) return 0
  return value.length - r[1].length
}

function parseTimeZone(value: string): number | undefined {
  if (value.length < 3) return undefined
  if (value.startsWith('ChST') || value.startsWith('MeST')) return 4
  if (value.startsWith('GMT')) return value.length === 3 ? 3 : 3 + parseSignedOffset(value.slice(3))
  if (value[0] === '+' || value[0] === '-') {
    const n = parseSignedOffset(value)
    return n > 0 ? n : undefined
  }
  let nUpper = 0
  for (; nUpper < 6 && nUpper < value.length; nUpper++) {
    const c = value[nUpper] as string
    if (c < 'A' || c > 'Z') break
  }
  switch (nUpper) {
    case 5:
      return value[4] === 'T' ? 5 : undefined
    case 4:
      return value[3] === 'T' || value.startsWith('WITA') ? 4 : undefined
    case 3:
      return 3
    default:
      return undefined
  }
}

function parseNanoseconds(value: string, nbytes: number): [number, string] {
  if (value[0] !== '.' && value[0] !== ',') throw new Bad()
  if (nbytes > 10) {
    value = value.slice(0, 10)
    nbytes = 10
  }
  let ns = atoi(value.slice(1, nbytes))
  if (ns < 0) return [0, 'fractional second']
  for (let i = 0; i < 10 - nbytes; i++) ns *= 10
  return [ns, '']
}

/** Go's time.Parse (default location UTC); returns Unix nanoseconds. */
export function parseTime(layoutIn: string, valueIn: string): bigint {
  let layout = layoutIn
  let value = valueIn
  let rangeErr = ''
  let amSet = false
  let pmSet = false
  let year = 0
  let month = -1
  let day = -1
  let yday = -1
  let hour = 0
  let min = 0
  let sec = 0
  let nsec = 0
  let utc = false
  let zoneOffset = -1
  let zoneName = ''

  for (;;) {
    const { prefix, std, suffix } = nextStdChunk(layout)
    const stdstr = layout.slice(prefix.length, layout.length - suffix.length)
    try {
      value = skip(value, prefix)
    } catch {
      throw parseError(layoutIn, valueIn, prefix, value)
    }
    if (std === Std.None) {
      if (value.length !== 0)
        throw parseError(layoutIn, valueIn, '', value, `: extra text: ${goQuoteTime(value)}`)
      break
    }
    const chunk = nextStdChunk(layout)
    layout = suffix
    const hold = value
    try {
      switch (std) {
        case Std.Year: {
          if (value.length < 2) throw new Bad()
          const p = value.slice(0, 2)
          value = value.slice(2)
          year = atoi(p)
          year += year >= 69 ? 1900 : 2000
          break
        }
        case Std.LongYear:
          if (value.length < 4 || !isDigitAt(value, 0)) throw new Bad()
          year = atoi(value.slice(0, 4))
          value = value.slice(4)
          break
        case Std.Month:
          ;[month, value] = lookup(SHORT_MONTH_NAMES, value)
          month++
          break
        case Std.LongMonth:
          ;[month, value] = lookup(LONG_MONTH_NAMES, value)
          month++
          break
        case Std.NumMonth:
        case Std.ZeroMonth:
          ;[month, value] = getnum(value, std === Std.ZeroMonth)
          if (month <= 0 || month > 12) rangeErr = 'month'
          break
        case Std.WeekDay:
          ;[, value] = lookup(SHORT_DAY_NAMES, value)
          break
        case Std.LongWeekDay:
          ;[, value] = lookup(LONG_DAY_NAMES, value)
          break
        case Std.Day:
        case Std.UnderDay:
        case Std.ZeroDay:
          if (std === Std.UnderDay && value[0] === ' ') value = value.slice(1)
          ;[day, value] = getnum(value, std === Std.ZeroDay)
          break
        case Std.UnderYearDay:
        case Std.ZeroYearDay:
          for (let i = 0; i < 2; i++) if (std === Std.UnderYearDay && value[0] === ' ') value = value.slice(1)
          ;[yday, value] = getnum3(value, std === Std.ZeroYearDay)
          break
        case Std.Hour:
          ;[hour, value] = getnum(value, false)
          if (hour < 0 || hour >= 24) rangeErr = 'hour'
          break
        case Std.Hour12:
        case Std.ZeroHour12:
          ;[hour, value] = getnum(value, std === Std.ZeroHour12)
          if (hour < 0 || hour > 12) rangeErr = 'hour'
          break
        case Std.Minute:
        case Std.ZeroMinute:
          ;[min, value] = getnum(value, std === Std.ZeroMinute)
          if (min < 0 || min >= 60) rangeErr = 'minute'
          break
        case Std.Second:
        case Std.ZeroSecond: {
          ;[sec, value] = getnum(value, std === Std.ZeroSecond)
          if (sec < 0 || sec >= 60) {
            rangeErr = 'second'
            break
          }
          if (value.length >= 2 && (value[0] === '.' || value[0] === ',') && isDigitAt(value, 1)) {
            const next = nextStdChunk(layout).std
            if (next === Std.FracSecond0 || next === Std.FracSecond9) break
            let n = 2
            while (n < value.length && isDigitAt(value, n)) n++
            ;[nsec, rangeErr] = parseNanoseconds(value, n)
            value = value.slice(n)
          }
          break
        }
        case Std.PM:
        case Std.pm: {
          if (value.length < 2) throw new Bad()
          const p = value.slice(0, 2)
          value = value.slice(2)
          const [am, pm] = std === Std.PM ? ['AM', 'PM'] : ['am', 'pm']
          if (p === pm) pmSet = true
          else if (p === am) amSet = true
          else throw new Bad()
          break
        }
        case Std.ISO8601TZ:
        case Std.ISO8601ShortTZ:
        case Std.ISO8601ColonTZ:
        case Std.ISO8601SecondsTZ:
        case Std.ISO8601ColonSecondsTZ:
        case Std.NumTZ:
        case Std.NumShortTZ:
        case Std.NumColonTZ:
        case Std.NumSecondsTz:
        case Std.NumColonSecondsTZ: {
          const iso = isIso8601Zone(std)
          if (iso && value[0] === 'Z') {
            value = value.slice(1)
            utc = true
            break
          }
          let sign: string
          let hh: string
          let mm: string
          let ss: string
          if (std === Std.ISO8601ColonTZ || std === Std.NumColonTZ) {
            if (value.length < 6 || value[3] !== ':') throw new Bad()
            ;[sign, hh, mm, ss, value] = [
              value.slice(0, 1),
              value.slice(1, 3),
              value.slice(4, 6),
              '00',
              value.slice(6),
            ]
          } else if (std === Std.NumShortTZ || std === Std.ISO8601ShortTZ) {
            if (value.length < 3) throw new Bad()
            ;[sign, hh, mm, ss, value] = [value.slice(0, 1), value.slice(1, 3), '00', '00', value.slice(3)]
          } else if (std === Std.ISO8601ColonSecondsTZ || std === Std.NumColonSecondsTZ) {
            if (value.length < 9 || value[3] !== ':' || value[6] !== ':') throw new Bad()
            ;[sign, hh, mm, ss, value] = [
              value.slice(0, 1),
              value.slice(1, 3),
              value.slice(4, 6),
              value.slice(7, 9),
              value.slice(9),
            ]
          } else if (std === Std.ISO8601SecondsTZ || std === Std.NumSecondsTz) {
            if (value.length < 7) throw new Bad()
            ;[sign, hh, mm, ss, value] = [
              value.slice(0, 1),
              value.slice(1, 3),
              value.slice(3, 5),
              value.slice(5, 7),
              value.slice(7),
            ]
          } else {
            if (value.length < 5) throw new Bad()
            ;[sign, hh, mm, ss, value] = [
              value.slice(0, 1),
              value.slice(1, 3),
              value.slice(3, 5),
              '00',
              value.slice(5),
            ]
          }
          const [hr] = getnum(hh, true)
          const [mi] = getnum(mm, true)
          const [se] = getnum(ss, true)
          if (hr > 24) rangeErr = 'time zone offset hour'
          if (mi > 60) rangeErr = 'time zone offset minute'
          if (se > 60) rangeErr = 'time zone offset second'
          zoneOffset = (hr * 60 + mi) * 60 + se
          if (sign === '-') zoneOffset = -zoneOffset
          else if (sign !== '+') throw new Bad()
          break
        }
        case Std.TZ: {
          if (value.startsWith('UTC')) {
            utc = true
            value = value.slice(3)
            break
          }
          const n = parseTimeZone(value)
          if (n === undefined) throw new Bad()
          zoneName = value.slice(0, n)
          value = value.slice(n)
          break
        }
        case Std.FracSecond0: {
          const ndigit = 1 + chunk.digits
          if (value.length < ndigit) throw new Bad()
          ;[nsec, rangeErr] = parseNanoseconds(value, ndigit)
          value = value.slice(ndigit)
          break
        }
        case Std.FracSecond9: {
          if (value.length < 2 || (value[0] !== '.' && value[0] !== ',') || !isDigitAt(value, 1)) break
          let i = 0
          while (i + 1 < value.length && isDigitAt(value, i + 1)) i++
          ;[nsec, rangeErr] = parseNanoseconds(value, 1 + i)
          value = value.slice(1 + i)
          break
        }
      }
    } catch (error) {
      if (!(error instanceof Bad)) throw error
      throw parseError(layoutIn, valueIn, stdstr, hold)
    }
    if (rangeErr !== '') throw parseError(layoutIn, valueIn, stdstr, value, `: ${rangeErr} out of range`)
  }
  if (pmSet && hour < 12) hour += 12
  else if (amSet && hour === 12) hour = 0

  if (yday >= 0) {
    let d = 0
    let m = 0
    if (isLeap(year)) {
      if (yday === 31 + 29) {
        m = 2
        d = 29
      } else if (yday > 31 + 29) {
        yday--
      }
    }
    if (yday < 1 || yday > 365) throw parseError(layoutIn, valueIn, '', value, ': day-of-year out of range')
    if (m === 0) {
      m = Math.floor((yday - 1) / 31) + 1
      const daysBefore = (month: number) => daysFromCivil(2001, month, 1) - daysFromCivil(2001, 1, 1)
      if (daysBefore(m + 1) < yday) m++
      d = yday - daysBefore(m)
    }
    if (month >= 0 && month !== m)
      throw parseError(layoutIn, valueIn, '', value, ': day-of-year does not match month')
    month = m
    if (day >= 0 && day !== d)
      throw parseError(layoutIn, valueIn, '', value, ': day-of-year does not match day')
    day = d
  } else {
    if (month < 0) month = 1
    if (day < 0) day = 1
  }
  if (day < 1 || day > daysIn(month, year))
    throw parseError(layoutIn, valueIn, '', value, ': day out of range')

  if (utc) return fromCivil(year, month, day, hour, min, sec, nsec, UTC)
  if (zoneOffset !== -1) return fromCivil(year, month, day, hour, min, sec, nsec, fixedZone('', zoneOffset))
  if (zoneName !== '') {
    let offset = 0
    if (zoneName.length > 3 && zoneName.startsWith('GMT')) offset = Number(zoneName.slice(3)) * 3600
    return fromCivil(year, month, day, hour, min, sec, nsec, fixedZone(zoneName, offset))
  }
  return fromCivil(year, month, day, hour, min, sec, nsec, UTC)
}
