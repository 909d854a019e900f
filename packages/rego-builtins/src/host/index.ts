// What every builtin family shares with its host: the host context and per-evaluation scope, OPA's builtin
// error convention, typed operand access, and the lists of builtins OPA compiles natively and opa-wasm implements.
export { BuiltinError, operandError, operandTypeError } from './builtin-error.js'
export { createEvaluationScope, type EvaluationScope, systemClockNs } from './evaluation-scope.js'
export type { BuiltinTable, HostContext } from './host-context.js'
export { compileTimeBuiltinNames, nativeBuiltinNames } from './native-builtins.js'
export { opaWasmBuiltinNames, replaceOpaWasmBuiltins } from './opa-wasm-table.js'
export { arrayOperand, intOperand, isNumber, objectOperand, stringOperand } from './operands.js'
