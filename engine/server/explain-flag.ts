// OPA's ?explain=notes|fails|full|debug asks for the interpreter's trace of the query. A wasm policy runs a
// compiled plan and keeps no trace (its trace() calls and notes are not reported to the host), so any of these
// modes is refused with 501 not_supported rather than answered without the explanation the client asked for.
// Other values are ignored, as OPA ignores them.
import { ClearanceError, ErrorCodes } from '../errors.js'

const TRACE_MODES = new Set(['notes', 'fails', 'full', 'debug'])

/** Throws for a trace mode of ?explain (`mode` is the parameter's value, if given). */
export function refuseExplain(mode: string | undefined): void {
  if (mode === undefined || !TRACE_MODES.has(mode)) return
  throw new ClearanceError(
    ErrorCodes.notSupported,
    `explain=${mode} is not supported by a wasm PDP: the compiled policy keeps no evaluation trace (query without ?explain, or run opa eval --explain=${mode} on the policy's Rego)`,
  )
}
