// Go's strconv.FormatFloat for the 'e', 'E', 'f', 'g', 'G' formats, shortest (prec -1) or with a precision,
// rounding the double's exact decimal expansion half to even like strconv does.

interface Digits {
  /** Decimal digits without leading/trailing zeros ('' for zero). */
  d: string
  /** Position of the decimal point relative to the start of d. */
  dp: number
}

/** The exact decimal expansion of a finite, non-negative double. */
function exactDigits(x: number): Digits {
  if (x === 0) return { d: '', dp: 0 }
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, x)
  const hi = view.getUint32(0)
  const lo = view.getUint32(4)
  const exponent = (hi >>> 20) & 0x7ff
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo)
  let e: number
  if (exponent === 0) e = -1074
  else {
    mant |= 1n << 52n
    e = exponent - 1075
  }
  let digits: string
  let dp: number
  if (e >= 0) {
    digits = (mant << BigInt(e)).toString()
    dp = digits.length
  } else {
    // mant / 2^-e = mant * 5^-e / 10^-e
    digits = (mant * 5n ** BigInt(-e)).toString()
    dp = digits.length + e
  }
  return trim({ d: digits, dp })
}

function trim(x: Digits): Digits {
  let d = x.d
  let dp = x.dp
  let start = 0
  while (start < d.length && d[start] === '0') start++
  d = d.slice(start)
  dp -= start
  let end = d.length
  while (end > 0 && d[end - 1] === '0') end--
  d = d.slice(0, end)
  return d === '' ? { d: '', dp: 0 } : { d, dp }
}

/** Rounds to nd digits, half to even (Go's decimal.Round on an exact value). */
function round(x: Digits, nd: number): Digits {
  if (nd < 0 || nd >= x.d.length) return x
  const next = x.d[nd] as string
  let up: boolean
  if (next === '5' && nd + 1 === x.d.length) up = nd > 0 && Number(x.d[nd - 1]) % 2 === 1
  else up = next >= '5'
  if (!up) return trim({ d: x.d.slice(0, nd), dp: x.dp })
  const kept = x.d.slice(0, nd)
  let i = kept.length - 1
  while (i >= 0 && kept[i] === '9') i--
  if (i < 0) return { d: '1', dp: x.dp + 1 }
  return trim({ d: kept.slice(0, i) + String(Number(kept[i]) + 1), dp: x.dp })
}

/** The shortest digits that read back as x (the same choice Go and ECMAScript make). */
function shortestDigits(x: number): Digits {
  if (x === 0) return { d: '', dp: 0 }
  const [mant = '', exp = '0'] = x.toExponential().split('e')
  return trim({ d: mant.replace('.', ''), dp: Number(exp) + 1 })
}

function fmtE(neg: boolean, digs: Digits, prec: number, fmt: string): string {
  let out = neg ? '-' : ''
  out += digs.d.length === 0 ? '0' : digs.d[0]
  if (prec > 0) {
    out += '.'
    for (let i = 1; i <= prec; i++) out += digs.d[i] ?? '0'
  }
  out += fmt
  let exp = digs.d.length === 0 ? 0 : digs.dp - 1
  if (exp < 0) {
    out += '-'
    exp = -exp
  } else {
    out += '+'
  }
  return out + (exp < 10 ? `0${exp}` : String(exp))
}

function fmtF(neg: boolean, digs: Digits, prec: number): string {
  let out = neg ? '-' : ''
  if (digs.dp > 0) {
    out += digs.d.slice(0, Math.min(digs.d.length, digs.dp)).padEnd(digs.dp, '0')
  } else {
    out += '0'
  }
  if (prec > 0) {
    out += '.'
    for (let i = 1; i <= prec; i++) {
      const j = digs.dp + i - 1
      out += j >= 0 && j < digs.d.length ? digs.d[j] : '0'
    }
  }
  return out
}

function bits(x: number): { neg: boolean; mant: bigint; exp: number } {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, x)
  const hi = view.getUint32(0)
  const lo = view.getUint32(4)
  let exp = (hi >>> 20) & 0x7ff
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo)
  if (exp === 0) exp++
  else mant |= 1n << 52n
  return { neg: hi >>> 31 === 1, mant, exp: exp - 1023 }
}

/** %b: decimal mantissa and binary exponent, e.g. 5629499534213120p-51. */
function fmtB(x: number): string {
  const { neg, mant, exp } = bits(x)
  const e = exp - 52
  return `${neg ? '-' : ''}${mant}p${e >= 0 ? '+' : '-'}${Math.abs(e)}`
}

/** %x / %X: hexadecimal mantissa and binary exponent, e.g. 0x1.4p+01. */
function fmtX(x: number, prec: number, fmt: 'x' | 'X'): string {
  let { neg, mant, exp } = bits(x)
  if (mant === 0n) exp = 0
  const ONE = 1n << 60n
  const MASK = (1n << 64n) - 1n
  mant = (mant << 8n) & MASK
  while (mant !== 0n && (mant & ONE) === 0n) {
    mant = (mant << 1n) & MASK
    exp--
  }
  if (prec >= 0 && prec < 15) {
    const shift = BigInt(prec * 4)
    const extra = (mant << shift) & (ONE - 1n)
    mant >>= 60n - shift
    if ((extra | (mant & 1n)) > 1n << 59n) mant++
    mant = (mant << (60n - shift)) & MASK
    if ((mant & (1n << 61n)) !== 0n) {
      mant >>= 1n
      exp++
    }
  }
  const hex = fmt === 'X' ? '0123456789ABCDEF' : '0123456789abcdef'
  let out = `${neg ? '-' : ''}0${fmt}${(mant >> 60n) & 1n}`
  mant = (mant << 4n) & MASK
  if (prec < 0 && mant !== 0n) {
    out += '.'
    while (mant !== 0n) {
      out += hex[Number((mant >> 60n) & 15n)]
      mant = (mant << 4n) & MASK
    }
  } else if (prec > 0) {
    out += '.'
    for (let i = 0; i < prec; i++) {
      out += hex[Number((mant >> 60n) & 15n)]
      mant = (mant << 4n) & MASK
    }
  }
  out += fmt === 'X' ? 'P' : 'p'
  out += exp < 0 ? '-' : '+'
  const e = Math.abs(exp)
  return out + (e < 10 ? `0${e}` : String(e))
}

export type FloatFormat = 'b' | 'e' | 'E' | 'f' | 'g' | 'G' | 'x' | 'X'

/** strconv.FormatFloat(x, fmt, prec, 64). */
export function formatFloat(x: number, fmt: FloatFormat, prec: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (x === Number.POSITIVE_INFINITY) return '+Inf'
  if (x === Number.NEGATIVE_INFINITY) return '-Inf'
  if (fmt === 'b') return fmtB(x)
  if (fmt === 'x' || fmt === 'X') return fmtX(x, prec, fmt)
  const neg = x < 0 || Object.is(x, -0)
  const abs = Math.abs(x)
  const shortest = prec < 0
  let digs: Digits
  if (shortest) {
    digs = shortestDigits(abs)
    switch (fmt) {
      case 'e':
      case 'E':
        prec = Math.max(digs.d.length - 1, 0)
        break
      case 'f':
        prec = Math.max(digs.d.length - digs.dp, 0)
        break
      default:
        prec = digs.d.length
    }
  } else {
    const exact = exactDigits(abs)
    switch (fmt) {
      case 'e':
      case 'E':
        digs = round(exact, prec + 1)
        break
      case 'f':
        digs = round(exact, exact.dp + prec)
        break
      default:
        if (prec === 0) prec = 1
        digs = round(exact, prec)
    }
  }
  switch (fmt) {
    case 'e':
    case 'E':
      return fmtE(neg, digs, prec, fmt)
    case 'f':
      return fmtF(neg, digs, prec)
    default: {
      let eprec = prec
      if (eprec > digs.d.length && digs.d.length >= digs.dp) eprec = digs.d.length
      if (shortest) eprec = 6
      const exp = digs.dp - 1
      if (digs.d.length !== 0 && (exp < -4 || exp >= eprec)) {
        if (prec > digs.d.length) prec = digs.d.length
        return fmtE(neg, digs, prec - 1, fmt === 'g' ? 'e' : 'E')
      }
      if (prec > digs.dp) prec = digs.d.length
      return fmtF(neg, digs, Math.max(prec - digs.dp, 0))
    }
  }
}
