// Go's time arithmetic for the time.* builtins: Unix nanoseconds to and from proleptic-Gregorian wall-clock
// fields in a zone, with Go's time.Date normalisation of overflowing fields.
import { UTC, type Zone } from './time-zones.js'

export const NS_PER_SECOND = 1_000_000_000n

export interface Civil {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
  nanosecond: number
  weekday: number
  yday: number
  offset: number
  zoneName: string
}

/** Days since 1970-01-01 of a proleptic Gregorian date (month may be outside 1..12, day outside the month). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const m0 = month - 1
  const y0 = year + Math.floor(m0 / 12)
  const m = (((m0 % 12) + 12) % 12) + 1
  const y = m <= 2 ? y0 - 1 : y0
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const mp = (m + 9) % 12
  const doy = Math.floor((153 * mp + 2) / 5)
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468 + (day - 1)
}

function civilFromDays(z0: number): { year: number; month: number; day: number } {
  const z = z0 + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  )
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day }
}

export function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
}

export function daysIn(month: number, year: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] as number
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q
}

/** The wall-clock fields of an instant in a zone. */
export function toCivil(ns: bigint, zone: Zone): Civil {
  const unixSeconds = floorDiv(ns, NS_PER_SECOND)
  const nanosecond = Number(ns - unixSeconds * NS_PER_SECOND)
  const offset = zone.offsetAt(Number(unixSeconds))
  const local = Number(unixSeconds) + offset
  const days = Math.floor(local / 86400)
  const secs = local - days * 86400
  const { year, month, day } = civilFromDays(days)
  return {
    year,
    month,
    day,
    hour: Math.floor(secs / 3600),
    minute: Math.floor((secs % 3600) / 60),
    second: secs % 60,
    nanosecond,
    weekday: (((days + 4) % 7) + 7) % 7,
    yday: days - daysFromCivil(year, 1, 1) + 1,
    offset,
    zoneName: zone === UTC ? 'UTC' : zone.abbreviationAt(Number(unixSeconds)),
  }
}

/** Go's time.Date: normalizes overflowing fields and resolves the wall time in the zone. */
export function fromCivil(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  nanosecond: number,
  zone: Zone,
): bigint {
  const wall = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
  let offset = zone.offsetAt(wall)
  if (offset !== 0) {
    const second = zone.offsetAt(wall - offset)
    if (second !== offset) offset = second
  }
  return BigInt(wall - offset) * NS_PER_SECOND + BigInt(nanosecond)
}
