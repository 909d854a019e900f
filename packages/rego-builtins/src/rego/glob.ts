// glob.quote_meta (glob.match is compiled into the wasm module). Escapes gobwas/glob's meta characters.
import type { BuiltinTable } from '../host/index.js'
import { stringOperand } from '../host/index.js'

export function globBuiltins(): BuiltinTable {
  return {
    'glob.quote_meta': (pattern) => stringOperand(pattern, 1).replace(/[*?\\[\]{}]/g, '\\$&'),
  }
}
