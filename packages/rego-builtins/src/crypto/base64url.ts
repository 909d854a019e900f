// base64url.encode_no_pad (the padded base64/base64url builtins are compiled into the wasm module).
import type { BuiltinTable } from '../host/index.js'
import { stringOperand } from '../host/index.js'

export function base64urlBuiltins(): BuiltinTable {
  return {
    'base64url.encode_no_pad': (value) => Buffer.from(stringOperand(value, 1), 'utf8').toString('base64url'),
  }
}
