// IANA time zones for the time.* builtins, from the runtime's Intl data (Node ships full ICU): the UTC offset
// in effect at an instant, and the abbreviation Go's "MST" layout element prints (ICU's short name, which
// matches Go's for zones with letter abbreviations and reads "GMT+1" where Go would print e.g. "CET").
import { BuiltinError } from '../host/index.js'

export interface Zone {
  readonly name: string
  /** Offset from UTC in seconds at the given Unix second. */
  offsetAt(unixSeconds: number): number
  abbreviationAt(unixSeconds: number): string
}

export const UTC: Zone = { name: 'UTC', offsetAt: () => 0, abbreviationAt: () => 'UTC' }

const zones = new Map<string, Zone>()

function intlZone(name: string): Zone {
  let fields: Intl.DateTimeFormat
  let short: Intl.DateTimeFormat
  try {
    fields = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    short = new Intl.DateTimeFormat('en-US', { timeZone: name, timeZoneName: 'short' })
  } catch {
    throw new BuiltinError(`unknown time zone ${name}`)
  }
  const offsetAt = (unixSeconds: number): number => {
    const parts: Record<string, string> = {}
    for (const p of fields.formatToParts(new Date(unixSeconds * 1000))) parts[p.type] = p.value
    let year = Number(parts.year)
    if (parts.era === 'BC' || parts.era === 'B') year = 1 - year
    const local = Date.UTC(
      0,
      Number(parts.month) - 1,
      Number(parts.day),
      Number(parts.hour),
      Number(parts.minute),
      Number(parts.second),
    )
    const d = new Date(local)
    d.setUTCFullYear(year)
    return Math.round((d.getTime() - Math.floor(unixSeconds) * 1000) / 1000)
  }
  return {
    name,
    offsetAt,
    abbreviationAt(unixSeconds) {
      const part = short.formatToParts(new Date(unixSeconds * 1000)).find((p) => p.type === 'timeZoneName')
      return part?.value ?? name
    },
  }
}

/** Go's time.LoadLocation: "" and "UTC" are UTC, "Local" is the process's zone, anything else an IANA name. */
export function loadZone(name: string): Zone {
  if (name === '' || name === 'UTC') return UTC
  const key = name === 'Local' ? Intl.DateTimeFormat().resolvedOptions().timeZone : name
  let zone = zones.get(key)
  if (zone === undefined) {
    if (!/^[A-Za-z0-9_+\-/]+$/.test(key) || key.startsWith('/') || key.includes('..')) {
      throw new BuiltinError(`unknown time zone ${name}`)
    }
    zone = key === 'UTC' ? UTC : intlZone(key)
    zones.set(key, zone)
  }
  return zone
}

/** A zone with a fixed offset, as Go's time.FixedZone (used for parsed offsets). */
export function fixedZone(name: string, offset: number): Zone {
  return { name, offsetAt: () => offset, abbreviationAt: () => name }
}
