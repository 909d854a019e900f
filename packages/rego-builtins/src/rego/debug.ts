// trace() and print(). Clearance records no evaluation traces, so trace() only checks its operand and succeeds,
// as OPA does when tracing is off. print() calls reach the host as internal.print with every operand wrapped
// in a set (an array here); each combination of elements is one printed line, like OPA's print hook.

import { regoText } from '../go/index.js'
import type { BuiltinTable, HostContext } from '../host/index.js'
import { arrayOperand, operandTypeError } from '../host/index.js'

function printCrossProduct(operands: unknown[], emit: (line: string) => void): void {
  const buf: string[] = new Array(operands.length).fill('')
  const walk = (i: number): void => {
    if (i >= operands.length) {
      emit(buf.join(' '))
      return
    }
    const operand = operands[i]
    if (!Array.isArray(operand)) {
      buf[i] = typeof operand === 'string' ? operand : regoText(operand)
      walk(i + 1)
      return
    }
    if (operand.length === 0) {
      buf[i] = '<undefined>'
      walk(i + 1)
      return
    }
    for (const x of operand) {
      buf[i] = typeof x === 'string' ? x : regoText(x)
      walk(i + 1)
    }
  }
  walk(0)
}

export function debugBuiltins(host: HostContext): BuiltinTable {
  return {
    trace: (note) => {
      if (typeof note !== 'string') throw operandTypeError(1, note, 'string')
      return true
    },
    'internal.print': (operands) => {
      printCrossProduct(arrayOperand(operands, 1), host.print)
      return undefined
    },
  }
}
