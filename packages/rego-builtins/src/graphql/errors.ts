// gqlparser's errors as OPA reports them: gqlerror's "input:line:col: message" text (a list of them, one a
// line, for validation), reshaped by OPA's formatGqlParserError into "message in GraphQL string at location l:c".
import { BuiltinError } from '../host/index.js'

export interface GqlError {
  message: string
  line?: number
  column?: number
}

/** One gqlparser error in the middle of parsing or schema checking; carries its position. */
export class GqlParseError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message)
    this.name = 'GqlParseError'
  }

  toGqlError(): GqlError {
    return { message: this.message, line: this.line, column: this.column }
  }
}

/** gqlerror.Error.Error(): the file defaults to "input", the position is left out when unknown. */
export function gqlErrorText(error: GqlError): string {
  const at = error.line === undefined || error.column === undefined ? '' : `:${error.line}:${error.column}`
  return `input${at}: ${error.message}`
}

/** gqlerror.List.Error(): every error followed by a newline. */
export function gqlErrorListText(errors: GqlError[]): string {
  return errors.map((e) => `${gqlErrorText(e)}\n`).join('')
}

/** OPA's formatGqlParserError, applied to the Go error text. */
export function formatGqlParserError(text: string): BuiltinError {
  const parts = text.split(':')
  if (parts.length >= 4) {
    const row = parts[1] as string
    const col = parts[2] as string
    if (/^\d+$/.test(row) && /^\d+$/.test(col)) {
      let message = parts.slice(3).join(':').replace(/^ +/, '')
      if (message.endsWith('.\n')) message = message.slice(0, -2)
      return new BuiltinError(`${message} in GraphQL string at location ${Number(row)}:${Number(col)}`)
    }
  }
  return new BuiltinError(`GraphQL parse error: ${text}`)
}
