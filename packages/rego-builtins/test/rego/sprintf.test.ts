import { describe, expect, it } from 'vitest'
import { sprintfBuiltins } from '../../src/rego/sprintf.js'
import { OutOfRangeNumber } from '../../src/values/out-of-range-number.js'
import { builtinCaller, decodeResult } from '../helpers/call-builtin.js'

const sprintf = (format: string, ...args: unknown[]) => builtinCaller()('sprintf', format, args)

// Expected strings are Go's fmt.Sprintf output for the same arguments.
describe('sprintf', () => {
  it.each([
    ['%d', [42], '42'],
    ['%5d|%-5d|%05d', [42, 42, 42], '   42|42   |00042'],
    ['%+d % d', [5, 5], '+5  5'],
    ['%x %X %#x %o %#o %O %b', [255, 255, 255, 8, 8, 8, 5], 'ff FF 0xff 10 010 0o10 101'],
    ['%c %q %U %#U', [65, 65, 0x1f600, 0x41], "A 'A' U+1F600 U+0041 'A'"],
    ['%s|%10s|%-10s|%.2s', ['héllo', 'hi', 'hi', 'héllo'], 'héllo|        hi|hi        |hé'],
    ['%q %x % x', ['a"b\n', 'hi', 'hi'], '"a\\"b\\n" 6869 68 69'],
    [
      '%f %.2f %8.3f %-8.3f| %08.3f %+.1f',
      [1.23456, 1.23456, 1.23456, 1.23456, -1.23456, 2.5],
      '1.234560 1.23    1.235 1.235   | -001.235 +2.5',
    ],
    ['%e %E %.3e', [123456.789, 0.000123, 1.5], '1.234568e+05 1.230000E-04 1.500e+00'],
    ['%g %g %g %G %.3g', [0.5, 1e21, 1e-5, 1e-7, 1.23456], '0.5 1e+21 1e-05 1E-07 1.23'],
    ['%v %v %v', [1.5, 1e6 + 0.5, 100000.25], '1.5 1.0000005e+06 100000.25'],
    ['%.0f %.0f %.1f', [2.5, 3.5, 0.25], '2 4 0.2'],
    ['%T %T %T', [1, 1.5, 's'], 'int64 float64 string'],
    ['%x %X', [-255, 1.5], '-ff 0X1.8P+00'],
  ])('formats %j like Go', (format, args, want) => {
    expect(sprintf(format, ...args)).toBe(want)
  })

  it('prints composite values as Rego text, as OPA passes them to Go', () => {
    expect(sprintf('hi %v', ['there', 5, 3.14])).toBe('hi ["there", 5, 3.14]')
    expect(sprintf('%v %v %v', { b: 1, a: [true, null] }, true, null)).toBe(
      '{"a": [true, null], "b": 1} true null',
    )
    expect(sprintf('%s', { k: 'v' })).toBe('{"k": "v"}')
  })

  it("writes Go's error notation for bad verbs, missing and extra arguments", () => {
    expect(sprintf('%d', 'x')).toBe('%!d(string=x)')
    expect(sprintf('%t', true)).toBe('%!t(string=true)')
    expect(sprintf('%d %d', 1)).toBe('1 %!d(MISSING)')
    expect(sprintf('%d', 1, 'a')).toBe('1%!(EXTRA string=a)')
    expect(sprintf('%[2]d %[1]d %[3]d', 1, 2)).toBe('2 1 %!d(BADINDEX)')
    expect(sprintf('100%', 1)).toBe('100%!(NOVERB)%!(EXTRA int64=1)')
    expect(sprintf('%*d|%.*f', 4, 7, 2, Math.PI)).toBe('   7|3.14')
  })

  it('formats integers beyond 2^53 that survive the JSON boundary, and the int64 edges', () => {
    expect(sprintf('%d %d', Number.parseFloat('9007199254740993'), -(2 ** 63))).toBe(
      '9007199254740992 -9223372036854775808',
    )
    expect(sprintf('%d', 1e20)).toBe('100000000000000000000')
    expect(sprintf('%T', 1e20)).toBe('*big.Int')
  })

  it('formats integers beyond 2^53 exactly when they arrive exact', () => {
    // opa-wasm's JSON.parse rounds them before they reach the builtin (conformance sprintf/big_int); a lossless
    // argument path would hand them over as bigint.
    const exact = (format: string, ...args: unknown[]) =>
      decodeResult(builtinCaller().builtins.sprintf!(format, args))
    expect(exact('%s', 123456789123456789123n)).toBe('123456789123456789123')
    expect(exact('%v %d', 1208925819614629174706175n, 4611686014132420609n)).toBe(
      '1208925819614629174706175 4611686014132420609',
    )
  })

  it('treats an integral number under a float verb as the float it was written as', () => {
    expect(sprintf('%f %.1f', 100, 2)).toBe('100.000000 2.0')
  })
})

describe('sprintf of a number no float64 holds', () => {
  it('prints its text, as OPA falls back to json.Number text', () => {
    expect(sprintfBuiltins().sprintf!('hi %v', [new OutOfRangeNumber('2e308')])).toBe('hi 2e308')
  })
})
