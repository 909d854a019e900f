// Exact decimal arithmetic for the builtins that OPA computes with math/big (units.*, numbers, net): a value is
// numerator / denominator over bigint, parsed from decimal text the way big.Rat.SetString reads it.

export interface Rational {
  num: bigint
  den: bigint
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a
  let y = b < 0n ? -b : b
  while (y !== 0n) [x, y] = [y, x % y]
  return x
}

export function normalize(r: Rational): Rational {
  const g = gcd(r.num, r.den)
  if (g <= 1n) return r.den < 0n ? { num: -r.num, den: -r.den } : r
  const num = r.num / g
  const den = r.den / g
  return den < 0n ? { num: -num, den: -den } : { num, den }
}

/** Parses decimal text ("1.5", ".5", "2e3", "-7"); undefined when it is not a decimal number. */
export function parseDecimal(text: string): Rational | undefined {
  const m = DECIMAL.exec(text)
  if (m === null) return undefined
  const [, sign, int = '', frac = '', exp] = m
  if (int === '' && frac === '') return undefined
  let num = BigInt(`${int}${frac}` || '0')
  let den = 10n ** BigInt(frac.length)
  if (exp !== undefined) {
    const e = BigInt(exp)
    if (e >= 0n) num *= 10n ** e
    else den *= 10n ** -e
  }
  if (sign === '-') num = -num
  return normalize({ num, den })
}

/** The exact value of a double. */
export function fromDouble(x: number): Rational {
  if (Number.isInteger(x)) return { num: BigInt(x), den: 1n }
  const buf = new DataView(new ArrayBuffer(8))
  buf.setFloat64(0, x)
  const hi = buf.getUint32(0)
  const lo = buf.getUint32(4)
  const sign = hi >>> 31 ? -1n : 1n
  const exponent = (hi >>> 20) & 0x7ff
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo)
  let e: number
  if (exponent === 0) {
    e = -1074
  } else {
    mantissa |= 1n << 52n
    e = exponent - 1075
  }
  if (e >= 0) return { num: sign * (mantissa << BigInt(e)), den: 1n }
  return normalize({ num: sign * mantissa, den: 1n << BigInt(-e) })
}

export function multiply(a: Rational, b: Rational): Rational {
  return normalize({ num: a.num * b.num, den: a.den * b.den })
}

export function isInteger(r: Rational): boolean {
  return r.den === 1n
}

/** Truncates toward zero. */
export function truncate(r: Rational): bigint {
  return r.num / r.den
}

/** big.Rat.FloatString(prec): decimal text rounded to `prec` places, halves away from zero. */
export function floatString(r: Rational, prec: number): string {
  const neg = r.num < 0n
  const abs = neg ? -r.num : r.num
  const scale = 10n ** BigInt(prec)
  let q = (abs * scale) / r.den
  const rem = (abs * scale) % r.den
  if (rem * 2n >= r.den) q += 1n
  const digits = q.toString().padStart(prec + 1, '0')
  const text = prec === 0 ? digits : `${digits.slice(0, -prec)}.${digits.slice(-prec)}`
  return neg ? `-${text}` : text
}

/** An integer result as a JSON-safe value: a number when exact, else a bigint. */
export function integerValue(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n
}

/**
 * The integer a JSON-decoded double most likely came from. Host builtins receive arguments through JSON.parse,
 * which rounds integers beyond 2^53; the shortest decimal that reads back as the same double recovers the
 * original whenever it had at most 17 significant digits (e.g. nanosecond timestamps that are whole
 * milliseconds), where BigInt(n) would return the double's binary value instead.
 */
export function recoverInteger(n: number): bigint {
  if (Math.abs(n) < 2 ** 53 || Math.abs(n) >= 2 ** 63) return BigInt(n)
  const decimal = BigInt(String(n))
  // Near the int64 edges the shortest decimal can fall outside the range the original must have been in.
  return decimal >= -(2n ** 63n) && decimal < 2n ** 63n ? decimal : BigInt(n)
}
