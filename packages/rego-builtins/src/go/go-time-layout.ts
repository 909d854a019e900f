// Go reference-time layouts ("2006-01-02T15:04:05Z07:00"): the elements of a layout, found the way Go's
// time/format.go nextStdChunk finds them, shared by formatting and parsing.

export const LONG_DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
export const SHORT_DAY_NAMES = LONG_DAY_NAMES.map((d) => d.slice(0, 3))
export const LONG_MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]
export const SHORT_MONTH_NAMES = LONG_MONTH_NAMES.map((m) => m.slice(0, 3))

export const Std = {
  None: 0,
  LongMonth: 1,
  Month: 2,
  NumMonth: 3,
  ZeroMonth: 4,
  LongWeekDay: 5,
  WeekDay: 6,
  Day: 7,
  UnderDay: 8,
  ZeroDay: 9,
  UnderYearDay: 10,
  ZeroYearDay: 11,
  Hour: 12,
  Hour12: 13,
  ZeroHour12: 14,
  Minute: 15,
  ZeroMinute: 16,
  Second: 17,
  ZeroSecond: 18,
  LongYear: 19,
  Year: 20,
  PM: 21,
  pm: 22,
  TZ: 23,
  ISO8601TZ: 24,
  ISO8601SecondsTZ: 25,
  ISO8601ShortTZ: 26,
  ISO8601ColonTZ: 27,
  ISO8601ColonSecondsTZ: 28,
  NumTZ: 29,
  NumSecondsTz: 30,
  NumShortTZ: 31,
  NumColonTZ: 32,
  NumColonSecondsTZ: 33,
  FracSecond0: 34,
  FracSecond9: 35,
} as const

export type Std = (typeof Std)[keyof typeof Std]

const ISO8601_ZONES: ReadonlySet<Std> = new Set([
  Std.ISO8601TZ,
  Std.ISO8601SecondsTZ,
  Std.ISO8601ShortTZ,
  Std.ISO8601ColonTZ,
  Std.ISO8601ColonSecondsTZ,
])

/** The zone layouts that write UTC as "Z" (Go's stdISO8601*). */
export function isIso8601Zone(std: Std): boolean {
  return ISO8601_ZONES.has(std)
}

export interface Chunk {
  prefix: string
  std: Std
  /** For fractional seconds: digit count and separator. */
  digits: number
  separator: string
  suffix: string
}

const STD0X = [Std.ZeroMonth, Std.ZeroDay, Std.ZeroHour12, Std.ZeroMinute, Std.ZeroSecond, Std.Year]

function startsWithLowerCase(s: string): boolean {
  const c = s[0]
  return c !== undefined && c >= 'a' && c <= 'z'
}

export function isDigitAt(s: string, i: number): boolean {
  const c = s[i]
  return c !== undefined && c >= '0' && c <= '9'
}

export function nextStdChunk(layout: string): Chunk {
  const chunk = (i: number, std: Std, len: number, digits = 0, separator = '.'): Chunk => ({
    prefix: layout.slice(0, i),
    std,
    digits,
    separator,
    suffix: layout.slice(i + len),
  })
  for (let i = 0; i < layout.length; i++) {
    const c = layout[i]
    const at = (s: string) => layout.startsWith(s, i)
    switch (c) {
      case 'J':
        if (at('Jan')) {
          if (at('January')) return chunk(i, Std.LongMonth, 7)
          if (!startsWithLowerCase(layout.slice(i + 3))) return chunk(i, Std.Month, 3)
        }
        break
      case 'M':
        if (at('Mon')) {
          if (at('Monday')) return chunk(i, Std.LongWeekDay, 6)
          if (!startsWithLowerCase(layout.slice(i + 3))) return chunk(i, Std.WeekDay, 3)
        }
        if (at('MST')) return chunk(i, Std.TZ, 3)
        break
      case '0': {
        const n = layout[i + 1]
        if (n !== undefined && n >= '1' && n <= '6') return chunk(i, STD0X[Number(n) - 1] as Std, 2)
        if (at('002')) return chunk(i, Std.ZeroYearDay, 3)
        break
      }
      case '1':
        if (layout[i + 1] === '5') return chunk(i, Std.Hour, 2)
        return chunk(i, Std.NumMonth, 1)
      case '2':
        if (at('2006')) return chunk(i, Std.LongYear, 4)
        return chunk(i, Std.Day, 1)
      case '_':
        if (layout[i + 1] === '2') {
          if (layout.startsWith('2006', i + 1)) {
            return {
              prefix: layout.slice(0, i + 1),
              std: Std.LongYear,
              digits: 0,
              separator: '.',
              suffix: layout.slice(i + 5),
            }
          }
          return chunk(i, Std.UnderDay, 2)
        }
        if (at('__2')) return chunk(i, Std.UnderYearDay, 3)
        break
      case '3':
        return chunk(i, Std.Hour12, 1)
      case '4':
        return chunk(i, Std.Minute, 1)
      case '5':
        return chunk(i, Std.Second, 1)
      case 'P':
        if (layout[i + 1] === 'M') return chunk(i, Std.PM, 2)
        break
      case 'p':
        if (layout[i + 1] === 'm') return chunk(i, Std.pm, 2)
        break
      case '-':
        if (at('-070000')) return chunk(i, Std.NumSecondsTz, 7)
        if (at('-07:00:00')) return chunk(i, Std.NumColonSecondsTZ, 9)
        if (at('-0700')) return chunk(i, Std.NumTZ, 5)
        if (at('-07:00')) return chunk(i, Std.NumColonTZ, 6)
        if (at('-07')) return chunk(i, Std.NumShortTZ, 3)
        break
      case 'Z':
        if (at('Z070000')) return chunk(i, Std.ISO8601SecondsTZ, 7)
        if (at('Z07:00:00')) return chunk(i, Std.ISO8601ColonSecondsTZ, 9)
        if (at('Z0700')) return chunk(i, Std.ISO8601TZ, 5)
        if (at('Z07:00')) return chunk(i, Std.ISO8601ColonTZ, 6)
        if (at('Z07')) return chunk(i, Std.ISO8601ShortTZ, 3)
        break
      case '.':
      case ',': {
        const ch = layout[i + 1]
        if (ch === '0' || ch === '9') {
          let j = i + 1
          while (j < layout.length && layout[j] === ch) j++
          if (!isDigitAt(layout, j)) {
            const std = ch === '9' ? Std.FracSecond9 : Std.FracSecond0
            return chunk(i, std, j - i, j - (i + 1), c)
          }
        }
        break
      }
    }
  }
  return { prefix: layout, std: Std.None, digits: 0, separator: '.', suffix: '' }
}
