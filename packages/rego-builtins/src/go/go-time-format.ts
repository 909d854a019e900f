// Go's Time.Format (time/format.go appendFormat) for the time.format builtin.
import { toCivil } from './go-calendar.js'
import {
  isIso8601Zone,
  LONG_DAY_NAMES,
  LONG_MONTH_NAMES,
  nextStdChunk,
  SHORT_DAY_NAMES,
  SHORT_MONTH_NAMES,
  Std,
} from './go-time-layout.js'
import type { Zone } from './time-zones.js'

function appendInt(x: number, width: number): string {
  const s = String(Math.abs(x)).padStart(width, '0')
  return x < 0 ? `-${s}` : s
}

/** Go's Time.Format. */
export function formatTime(ns: bigint, zone: Zone, layout: string): string {
  const t = toCivil(ns, zone)
  let out = ''
  let rest = layout
  while (rest !== '') {
    const { prefix, std, digits, separator, suffix } = nextStdChunk(rest)
    out += prefix
    if (std === Std.None) break
    rest = suffix
    switch (std) {
      case Std.Year:
        out += appendInt(Math.abs(t.year) % 100, 2)
        break
      case Std.LongYear:
        out += appendInt(t.year, 4)
        break
      case Std.Month:
        out += SHORT_MONTH_NAMES[t.month - 1]
        break
      case Std.LongMonth:
        out += LONG_MONTH_NAMES[t.month - 1]
        break
      case Std.NumMonth:
        out += appendInt(t.month, 0)
        break
      case Std.ZeroMonth:
        out += appendInt(t.month, 2)
        break
      case Std.WeekDay:
        out += SHORT_DAY_NAMES[t.weekday]
        break
      case Std.LongWeekDay:
        out += LONG_DAY_NAMES[t.weekday]
        break
      case Std.Day:
        out += appendInt(t.day, 0)
        break
      case Std.UnderDay:
        out += (t.day < 10 ? ' ' : '') + appendInt(t.day, 0)
        break
      case Std.ZeroDay:
        out += appendInt(t.day, 2)
        break
      case Std.UnderYearDay:
        out += (t.yday < 100 ? (t.yday < 10 ? '  ' : ' ') : '') + appendInt(t.yday, 0)
        break
      case Std.ZeroYearDay:
        out += appendInt(t.yday, 3)
        break
      case Std.Hour:
        out += appendInt(t.hour, 2)
        break
      case Std.Hour12:
        out += appendInt(t.hour % 12 === 0 ? 12 : t.hour % 12, 0)
        break
      case Std.ZeroHour12:
        out += appendInt(t.hour % 12 === 0 ? 12 : t.hour % 12, 2)
        break
      case Std.Minute:
        out += appendInt(t.minute, 0)
        break
      case Std.ZeroMinute:
        out += appendInt(t.minute, 2)
        break
      case Std.Second:
        out += appendInt(t.second, 0)
        break
      case Std.ZeroSecond:
        out += appendInt(t.second, 2)
        break
      case Std.PM:
        out += t.hour >= 12 ? 'PM' : 'AM'
        break
      case Std.pm:
        out += t.hour >= 12 ? 'pm' : 'am'
        break
      case Std.ISO8601TZ:
      case Std.ISO8601ColonTZ:
      case Std.ISO8601SecondsTZ:
      case Std.ISO8601ShortTZ:
      case Std.ISO8601ColonSecondsTZ:
      case Std.NumTZ:
      case Std.NumColonTZ:
      case Std.NumSecondsTz:
      case Std.NumShortTZ:
      case Std.NumColonSecondsTZ: {
        const iso = isIso8601Zone(std)
        if (t.offset === 0 && iso) {
          out += 'Z'
          break
        }
        let zone = Math.trunc(t.offset / 60)
        let absOffset = t.offset
        if (zone < 0) {
          out += '-'
          zone = -zone
          absOffset = -absOffset
        } else {
          out += '+'
        }
        out += appendInt(Math.floor(zone / 60), 2)
        const colon =
          std === Std.ISO8601ColonTZ ||
          std === Std.NumColonTZ ||
          std === Std.ISO8601ColonSecondsTZ ||
          std === Std.NumColonSecondsTZ
        if (colon) out += ':'
        if (std !== Std.NumShortTZ && std !== Std.ISO8601ShortTZ) out += appendInt(zone % 60, 2)
        if (
          std === Std.ISO8601SecondsTZ ||
          std === Std.NumSecondsTz ||
          std === Std.NumColonSecondsTZ ||
          std === Std.ISO8601ColonSecondsTZ
        ) {
          if (std === Std.NumColonSecondsTZ || std === Std.ISO8601ColonSecondsTZ) out += ':'
          out += appendInt(absOffset % 60, 2)
        }
        break
      }
      case Std.TZ: {
        if (t.zoneName !== '') {
          out += t.zoneName
          break
        }
        let zone = Math.trunc(t.offset / 60)
        if (zone < 0) {
          out += '-'
          zone = -zone
        } else {
          out += '+'
        }
        out += appendInt(Math.floor(zone / 60), 2) + appendInt(zone % 60, 2)
        break
      }
      case Std.FracSecond0:
      case Std.FracSecond9: {
        const trim = std === Std.FracSecond9
        if (trim && (digits === 0 || t.nanosecond === 0)) break
        let frac = appendInt(t.nanosecond, 9)
        if (digits < 9) frac = frac.slice(0, digits)
        let s = separator + frac
        if (trim) {
          s = s.replace(/0+$/, '')
          if (s === separator) s = ''
        }
        out += s
        break
      }
    }
  }
  return out
}
