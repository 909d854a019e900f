// hex.encode / hex.decode over the UTF-8 bytes of a string, like Go's encoding/hex.

import type { BuiltinTable } from '../host/index.js'
import { BuiltinError, stringOperand } from '../host/index.js'

const decoder = new TextDecoder()

function hexDecode(value: unknown): string {
  const s = stringOperand(value, 1)
  const bad = /[^0-9a-fA-F]/.exec(s)
  if (bad !== null) {
    const byte = Buffer.from(bad[0], 'utf8')[0] ?? 0
    throw new BuiltinError(
      `encoding/hex: invalid byte: U+${byte.toString(16).toUpperCase().padStart(4, '0')} '${bad[0]}'`,
    )
  }
  if (s.length % 2 === 1) throw new BuiltinError('encoding/hex: odd length hex string')
  return decoder.decode(Buffer.from(s, 'hex'))
}

export function hexBuiltins(): BuiltinTable {
  return {
    'hex.encode': (value) => Buffer.from(stringOperand(value, 1), 'utf8').toString('hex'),
    'hex.decode': hexDecode,
  }
}
