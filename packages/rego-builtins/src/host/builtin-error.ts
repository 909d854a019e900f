// The error a host builtin raises when OPA's topdown implementation would return one. The wrapper in index.ts
// turns it into an undefined result (OPA's default, non-strict builtin errors) or rethrows it (strict mode), so
// implementations only ever throw, never decide between the two.
import { RegoSet } from '../values/index.js'

export class BuiltinError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'BuiltinError'
  }
}

/** Rego's name for a value's type, as `type_name` reports it (a set is a RegoSet only through the value bridge). */
export function regoTypeName(value: unknown): string {
  if (value === null) return 'null'
  if (value instanceof RegoSet) return 'set'
  if (Array.isArray(value)) return 'array'
  switch (typeof value) {
    case 'boolean':
      return 'boolean'
    case 'number':
    case 'bigint':
      return 'number'
    case 'string':
      return 'string'
    case 'object':
      return 'object'
    default:
      return typeof value
  }
}

/** OPA's builtins.NewOperandTypeErr: "operand 2 must be string but got number". */
export function operandTypeError(pos: number, got: unknown, ...expected: string[]): BuiltinError {
  const want = expected.length === 1 ? expected[0] : `one of {${expected.join(', ')}}`
  return new BuiltinError(`operand ${pos} must be ${want} but got ${regoTypeName(got)}`)
}

/** OPA's builtins.NewOperandErr: "operand 1 <message>". */
export function operandError(pos: number, message: string): BuiltinError {
  return new BuiltinError(`operand ${pos} ${message}`)
}
