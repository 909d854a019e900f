// rand.intn: a random integer in [0, |n|), the same one for the same (string, n) within an evaluation.
import type { BuiltinTable, HostContext } from '../host/index.js'
import { intOperand, stringOperand } from '../host/index.js'

function uniformBelow(n: number, randomBytes: (size: number) => Uint8Array): number {
  // Rejection sampling over 48 random bits keeps the result unbiased for every n up to 2^48.
  const limit = 2 ** 48 - (2 ** 48 % n)
  for (;;) {
    const b = randomBytes(6)
    const x =
      (b[0] ?? 0) * 2 ** 40 +
      (b[1] ?? 0) * 2 ** 32 +
      (b[2] ?? 0) * 2 ** 24 +
      ((b[3] ?? 0) << 16) +
      ((b[4] ?? 0) << 8) +
      (b[5] ?? 0)
    if (x < limit) return x % n
  }
}

export function randBuiltins(host: HostContext): BuiltinTable {
  return {
    'rand.intn': (str, count) => {
      const s = stringOperand(str, 1)
      let n = intOperand(count, 2)
      if (n === 0) return 0
      if (n < 0) n = -n
      return host.scope.remember(`rand.intn\u0000${s}-${n}`, () => uniformBelow(n, host.randomBytes))
    },
  }
}
