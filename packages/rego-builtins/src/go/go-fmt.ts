// Go's fmt.Sprintf for the argument types OPA's sprintf hands it: int64, float64, string and *big.Int
// (fmt/print.go doPrintf, fmt/format.go and math/big's Int.Format), including Go's error notation
// (%!d(string=x), %!v(MISSING), %!(EXTRA …), %!(BADINDEX), %!(NOVERB), %!(BADWIDTH), %!(BADPREC)).
import { type FloatFormat, formatFloat } from './go-float.js'
import { goQuote } from './go-quote.js'

export type GoArg =
  | { kind: 'int64'; value: bigint }
  | { kind: 'float64'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'bigint'; value: bigint }

interface Flags {
  widPresent: boolean
  precPresent: boolean
  minus: boolean
  plus: boolean
  sharp: boolean
  space: boolean
  zero: boolean
  plusV: boolean
  sharpV: boolean
  wid: number
  prec: number
}

const TYPE_NAMES: Record<GoArg['kind'], string> = {
  int64: 'int64',
  float64: 'float64',
  string: 'string',
  bigint: '*big.Int',
}

const LDIGITS = '0123456789abcdefx'
const UDIGITS = '0123456789ABCDEFX'
const MAX_NUM = 1e6

function runeCount(s: string): number {
  let n = 0
  for (const _ of s) n++
  return n
}

function clearFlags(): Flags {
  return {
    widPresent: false,
    precPresent: false,
    minus: false,
    plus: false,
    sharp: false,
    space: false,
    zero: false,
    plusV: false,
    sharpV: false,
    wid: 0,
    prec: 0,
  }
}

class Printer {
  buf = ''
  f: Flags = clearFlags()
  private erroring = false

  private padding(n: number): string {
    if (n <= 0) return ''
    return (this.f.zero && !this.f.minus ? '0' : ' ').repeat(n)
  }

  pad(s: string): void {
    const f = this.f
    if (!f.widPresent || f.wid === 0) {
      this.buf += s
      return
    }
    const width = f.wid - runeCount(s)
    if (!f.minus) this.buf += this.padding(width) + s
    else this.buf += s + this.padding(width)
  }

  private withoutZero(fn: () => void): void {
    const old = this.f.zero
    this.f.zero = false
    fn()
    this.f.zero = old
  }

  fmtInteger(v: bigint, base: number, verb: string, digits: string): void {
    const f = this.f
    const negative = v < 0n
    let u = negative ? -v : v
    let prec = 0
    if (f.precPresent) {
      prec = f.prec
      if (prec === 0 && u === 0n) {
        this.withoutZero(() => {
          this.buf += this.padding(f.wid)
        })
        return
      }
    } else if (f.zero && !f.minus && f.widPresent) {
      prec = f.wid
      if (negative || f.plus || f.space) prec--
    }
    let s = ''
    const b = BigInt(base)
    while (u >= b) {
      s = (digits[Number(u % b)] as string) + s
      u /= b
    }
    s = (digits[Number(u)] as string) + s
    while (s.length < prec) s = `0${s}`
    if (f.sharp) {
      if (base === 2) s = `0b${s}`
      else if (base === 8 && s[0] !== '0') s = `0${s}`
      else if (base === 16) s = `0${digits[16]}${s}`
    }
    if (verb === 'O') s = `0o${s}`
    if (negative) s = `-${s}`
    else if (f.plus) s = `+${s}`
    else if (f.space) s = ` ${s}`
    this.withoutZero(() => this.pad(s))
  }

  fmtUnicode(u: bigint): void {
    const f = this.f
    let prec = 4
    if (f.precPresent && f.prec > 4) prec = f.prec
    let s = u.toString(16).toUpperCase()
    while (s.length < prec) s = `0${s}`
    s = `U+${s}`
    if (f.sharp && u <= 0x10ffffn && isPrintRune(Number(u))) s += ` '${String.fromCodePoint(Number(u))}'`
    this.withoutZero(() => this.pad(s))
  }

  fmtC(c: bigint): void {
    this.pad(
      String.fromCodePoint(c > 0x10ffffn || c < 0n || (c >= 0xd800n && c <= 0xdfffn) ? 0xfffd : Number(c)),
    )
  }

  fmtQc(c: bigint): void {
    const r = c > 0x10ffffn || c < 0n || (c >= 0xd800n && c <= 0xdfffn) ? 0xfffd : Number(c)
    this.pad(quoteRune(r, this.f.plus))
  }

  fmtS(s: string): void {
    this.pad(this.truncate(s))
  }

  private truncate(s: string): string {
    if (!this.f.precPresent) return s
    let n = this.f.prec
    let out = ''
    for (const ch of s) {
      if (--n < 0) break
      out += ch
    }
    return out
  }

  fmtSx(s: string, digits: string): void {
    const f = this.f
    let bytes = Buffer.from(s, 'utf8')
    if (f.precPresent && f.prec < bytes.length) bytes = bytes.subarray(0, f.prec)
    const length = bytes.length
    let width = 2 * length
    if (width > 0) {
      if (f.space) {
        if (f.sharp) width *= 2
        width += length - 1
      } else if (f.sharp) {
        width += 2
      }
    } else {
      if (f.widPresent) this.buf += this.padding(f.wid)
      return
    }
    if (f.widPresent && f.wid > width && !f.minus) this.buf += this.padding(f.wid - width)
    if (f.sharp) this.buf += `0${digits[16]}`
    for (let i = 0; i < length; i++) {
      if (f.space && i > 0) {
        this.buf += ' '
        if (f.sharp) this.buf += `0${digits[16]}`
      }
      const c = bytes[i] as number
      this.buf += (digits[c >> 4] as string) + (digits[c & 0xf] as string)
    }
    if (f.widPresent && f.wid > width && f.minus) this.buf += this.padding(f.wid - width)
  }

  fmtQ(s: string): void {
    s = this.truncate(s)
    if (this.f.sharp && canBackquote(s)) {
      this.pad(`\`${s}\``)
      return
    }
    this.pad(goQuote(s, this.f.plus))
  }

  fmtFloat(v: number, verb: string, defaultPrec: number): void {
    const f = this.f
    const prec = f.precPresent ? f.prec : defaultPrec
    const fmt = verb === 'F' ? 'f' : verb
    let num = formatFloat(v, fmt as FloatFormat, prec)
    if (num[0] === '-' || num[0] === '+') {
      // keep sign
    } else {
      num = `+${num}`
    }
    if (f.space && num[0] === '+' && !f.plus) num = ` ${num.slice(1)}`
    if (num[1] === 'I' || num[1] === 'N') {
      if (num[1] === 'N' && !f.space && !f.plus) num = num.slice(1)
      this.withoutZero(() => this.pad(num))
      return
    }
    if (f.sharp && verb !== 'b') {
      let digits = 0
      if (verb === 'v' || verb === 'g' || verb === 'G' || verb === 'x') digits = prec === -1 ? 6 : prec
      let tail = ''
      let body = num
      let hasPoint = false
      let sawNonzero = false
      for (let i = 1; i < body.length; i++) {
        const c = body[i] as string
        if (c === '.') {
          hasPoint = true
        } else if (c === 'p' || c === 'P' || ((c === 'e' || c === 'E') && verb !== 'x' && verb !== 'X')) {
          tail = body.slice(i)
          body = body.slice(0, i)
          break
        } else {
          if (c !== '0') sawNonzero = true
          if (sawNonzero) digits--
        }
      }
      if (!hasPoint) {
        if (body.length === 2 && body[1] === '0') digits--
        body += '.'
      }
      while (digits > 0) {
        body += '0'
        digits--
      }
      num = body + tail
    }
    if (f.plus || num[0] !== '+') {
      if (f.zero && !f.minus && f.widPresent && f.wid > num.length) {
        this.buf += num[0]
        this.buf += this.padding(f.wid - num.length)
        this.buf += num.slice(1)
        return
      }
      this.pad(num)
      return
    }
    this.pad(num.slice(1))
  }

  fmtBigInt(x: bigint, verb: string): void {
    const f = this.f
    let base: number
    switch (verb) {
      case 'b':
        base = 2
        break
      case 'o':
      case 'O':
        base = 8
        break
      case 'd':
      case 's':
      case 'v':
        base = 10
        break
      case 'x':
      case 'X':
        base = 16
        break
      default:
        this.buf += `%!${verb}(big.Int=${x.toString()})`
        return
    }
    let sign = ''
    if (x < 0n) sign = '-'
    else if (f.plus || f.plusV) sign = '+'
    else if (f.space) sign = ' '
    let prefix = ''
    if (f.sharp || f.sharpV) {
      if (verb === 'b') prefix = '0b'
      else if (verb === 'o') prefix = '0'
      else if (verb === 'x') prefix = '0x'
      else if (verb === 'X') prefix = '0X'
    }
    if (verb === 'O') prefix = '0o'
    let digits = (x < 0n ? -x : x).toString(base)
    if (verb === 'X') digits = digits.toUpperCase()
    let zeros = 0
    let left = 0
    let right = 0
    if (f.precPresent) {
      if (digits.length < f.prec) zeros = f.prec - digits.length
      else if (digits === '0' && f.prec === 0) return
    }
    const length = sign.length + prefix.length + zeros + digits.length
    if (f.widPresent && length < f.wid) {
      const d = f.wid - length
      if (f.minus) right = d
      else if (f.zero && !f.precPresent) zeros = d
      else left = d
    }
    this.buf += ' '.repeat(left) + sign + prefix + '0'.repeat(zeros) + digits + ' '.repeat(right)
  }

  badVerb(verb: string, arg: GoArg | undefined): void {
    this.erroring = true
    this.buf += `%!${verb}(`
    if (arg === undefined) this.buf += '<nil>'
    else {
      this.buf += `${TYPE_NAMES[arg.kind]}=`
      this.printArg(arg, 'v')
    }
    this.buf += ')'
    this.erroring = false
  }

  printArg(arg: GoArg, verb: string): void {
    if (verb === 'T') {
      this.fmtS(TYPE_NAMES[arg.kind])
      return
    }
    if (verb === 'p') {
      this.badVerb(verb, arg)
      return
    }
    switch (arg.kind) {
      case 'int64':
        this.printInteger(arg, verb)
        return
      case 'float64':
        switch (verb) {
          case 'v':
            this.fmtFloat(arg.value, 'g', -1)
            return
          case 'b':
          case 'g':
          case 'G':
          case 'x':
          case 'X':
            this.fmtFloat(arg.value, verb, -1)
            return
          case 'f':
          case 'e':
          case 'E':
          case 'F':
            this.fmtFloat(arg.value, verb, 6)
            return
          default:
            this.badVerb(verb, arg)
            return
        }
      case 'string':
        switch (verb) {
          case 'v':
            if (this.f.sharpV) this.fmtQ(arg.value)
            else this.fmtS(arg.value)
            return
          case 's':
            this.fmtS(arg.value)
            return
          case 'x':
            this.fmtSx(arg.value, LDIGITS)
            return
          case 'X':
            this.fmtSx(arg.value, UDIGITS)
            return
          case 'q':
            this.fmtQ(arg.value)
            return
          default:
            this.badVerb(verb, arg)
            return
        }
      case 'bigint':
        if (this.erroring) {
          this.buf += arg.value.toString()
          return
        }
        this.fmtBigInt(arg.value, verb)
        return
    }
  }

  private printInteger(arg: { kind: 'int64'; value: bigint }, verb: string): void {
    const v = arg.value
    switch (verb) {
      case 'v':
      case 'd':
        this.fmtInteger(v, 10, verb, LDIGITS)
        return
      case 'b':
        this.fmtInteger(v, 2, verb, LDIGITS)
        return
      case 'o':
      case 'O':
        this.fmtInteger(v, 8, verb, LDIGITS)
        return
      case 'x':
        this.fmtInteger(v, 16, verb, LDIGITS)
        return
      case 'X':
        this.fmtInteger(v, 16, verb, UDIGITS)
        return
      case 'c':
        this.fmtC(v)
        return
      case 'q':
        this.fmtQc(v)
        return
      case 'U':
        this.fmtUnicode(v < 0n ? v + 2n ** 64n : v)
        return
      default:
        this.badVerb(verb, arg)
    }
  }
}

function isPrintRune(r: number): boolean {
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(String.fromCodePoint(r))
}

function quoteRune(r: number, asciiOnly: boolean): string {
  if (r === 0x27) return "'\\''"
  if (r === 0x22) return `'"'`
  const q = goQuote(String.fromCodePoint(r), asciiOnly)
  return `'${q.slice(1, -1)}'`
}

function canBackquote(s: string): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0
    if (ch === '`' || ch === '\ufeff') return false
    if (c < 0x20 && ch !== '\t') return false
    if (c === 0x7f) return false
  }
  return true
}

function parseNum(s: string, start: number, end: number): [number, boolean, number] {
  if (start >= end) return [0, false, end]
  let num = 0
  let isNum = false
  let i = start
  for (; i < end && s[i] !== undefined && (s[i] as string) >= '0' && (s[i] as string) <= '9'; i++) {
    if (num > MAX_NUM || num < -MAX_NUM) return [0, false, end]
    num = num * 10 + Number(s[i])
    isNum = true
  }
  return [num, isNum, i]
}

function intFromArg(args: readonly GoArg[], argNum: number): [number, boolean, number] {
  let num = 0
  let isInt = false
  let newArgNum = argNum
  if (argNum < args.length) {
    const a = args[argNum] as GoArg
    if (a.kind === 'int64' && a.value >= BigInt(-(2 ** 53)) && a.value <= BigInt(2 ** 53)) {
      num = Number(a.value)
      isInt = true
    }
    newArgNum = argNum + 1
    if (num > MAX_NUM || num < -MAX_NUM) {
      num = 0
      isInt = false
    }
  }
  return [num, isInt, newArgNum]
}

/** fmt.Sprintf(format, args...). */
export function goSprintf(format: string, args: readonly GoArg[]): string {
  const p = new Printer()
  const end = format.length
  let argNum = 0
  let afterIndex = false
  let reordered = false
  let goodArgNum = true

  const argNumber = (n: number, i: number): [number, number, boolean] => {
    if (format.length <= i || format[i] !== '[') return [n, i, false]
    reordered = true
    // parseArgNumber
    let index = 0
    let wid = 1
    let ok = false
    const sub = format.slice(i)
    if (sub.length >= 3) {
      for (let j = 1; j < sub.length; j++) {
        if (sub[j] === ']') {
          const [width, isNum, newi] = parseNum(sub, 1, j)
          if (!isNum || newi !== j) {
            index = 0
            wid = j + 1
            ok = false
          } else {
            index = width - 1
            wid = j + 1
            ok = true
          }
          break
        }
      }
    }
    if (ok && index >= 0 && index < args.length) return [index, i + wid, true]
    goodArgNum = false
    return [n, i + wid, ok]
  }

  let i = 0
  formatLoop: while (i < end) {
    goodArgNum = true
    const lasti = i
    while (i < end && format[i] !== '%') i++
    if (i > lasti) p.buf += format.slice(lasti, i)
    if (i >= end) break
    i++
    p.f = clearFlags()
    const f = p.f
    simple: for (; i < end; i++) {
      const c = format[i] as string
      switch (c) {
        case '#':
          f.sharp = true
          break
        case '0':
          f.zero = true
          break
        case '+':
          f.plus = true
          break
        case '-':
          f.minus = true
          break
        case ' ':
          f.space = true
          break
        default:
          if (c >= 'a' && c <= 'z' && argNum < args.length) {
            if (c === 'v' || c === 'w') {
              f.sharpV = f.sharp
              f.sharp = false
              f.plusV = f.plus
              f.plus = false
            }
            if (c === 'w') p.badVerb(c, args[argNum])
            else p.printArg(args[argNum] as GoArg, c)
            argNum++
            i++
            continue formatLoop
          }
          break simple
      }
    }

    ;[argNum, i, afterIndex] = argNumber(argNum, i)

    if (i < end && format[i] === '*') {
      i++
      ;[f.wid, f.widPresent, argNum] = intFromArg(args, argNum)
      if (!f.widPresent) p.buf += '%!(BADWIDTH)'
      if (f.wid < 0) {
        f.wid = -f.wid
        f.minus = true
        f.zero = false
      }
      afterIndex = false
    } else {
      ;[f.wid, f.widPresent, i] = parseNum(format, i, end)
      if (afterIndex && f.widPresent) goodArgNum = false
    }

    if (i + 1 < end && format[i] === '.') {
      i++
      if (afterIndex) goodArgNum = false
      ;[argNum, i, afterIndex] = argNumber(argNum, i)
      if (i < end && format[i] === '*') {
        i++
        ;[f.prec, f.precPresent, argNum] = intFromArg(args, argNum)
        if (f.prec < 0) {
          f.prec = 0
          f.precPresent = false
        }
        if (!f.precPresent) p.buf += '%!(BADPREC)'
        afterIndex = false
      } else {
        ;[f.prec, f.precPresent, i] = parseNum(format, i, end)
        if (!f.precPresent) {
          f.prec = 0
          f.precPresent = true
        }
      }
    }

    if (!afterIndex) [argNum, i, afterIndex] = argNumber(argNum, i)

    if (i >= end) {
      p.buf += '%!(NOVERB)'
      break
    }

    const verb = String.fromCodePoint(format.codePointAt(i) ?? 0)
    i += verb.length

    if (verb === '%') {
      p.buf += '%'
    } else if (!goodArgNum) {
      p.buf += `%!${verb}(BADINDEX)`
    } else if (argNum >= args.length) {
      p.buf += `%!${verb}(MISSING)`
    } else if (verb === 'w') {
      p.badVerb(verb, args[argNum])
      argNum++
    } else {
      if (verb === 'v') {
        f.sharpV = f.sharp
        f.sharp = false
        f.plusV = f.plus
        f.plus = false
      }
      p.printArg(args[argNum] as GoArg, verb)
      argNum++
    }
  }

  if (!reordered && argNum < args.length) {
    p.f = clearFlags()
    p.buf += '%!(EXTRA '
    args.slice(argNum).forEach((arg, k) => {
      if (k > 0) p.buf += ', '
      p.buf += `${TYPE_NAMES[arg.kind]}=`
      p.printArg(arg, 'v')
    })
    p.buf += ')'
  }
  return p.buf
}
