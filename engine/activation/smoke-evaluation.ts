// The last check before a policy set goes live: each entrypoint of the changed bundles is evaluated once with
// input {}. Errors that mean the policy cannot run at all (a builtin the host does not implement, a wasm trap)
// refuse the set; ordinary evaluation errors (a conflict, a type error on the empty input) are the policy's
// business and are allowed.
import { ClearanceError, describeThrown, ErrorCodes } from '../errors.js'
import { outermost, type PolicySet } from '../policy/index.js'

const EMPTY_INPUT = new TextEncoder().encode('{}')
const NOT_IMPLEMENTED = /not implemented: built-in function/

/** True when a thrown evaluation failure means the module cannot run, rather than that the policy said no. */
export function isFatalEvaluationError(thrown: unknown): boolean {
  if (!(thrown instanceof ClearanceError)) return true
  const cause = thrown.cause
  if (cause instanceof WebAssembly.RuntimeError || cause instanceof RangeError) return true
  return NOT_IMPLEMENTED.test(thrown.message) || NOT_IMPLEMENTED.test(describeThrown(cause))
}

/**
 * Evaluates the entrypoints of the bundles named in `bundles`; rejects with ClearanceError(bundle_error) on a
 * fatal one. Only the outermost are run: a package's entrypoint evaluates every rule below it, so its rules' own
 * entrypoints would run the same code again — unless it stopped on an ordinary error, which may leave rules below
 * it unrun: then those are run on their own. Time-limited policies evaluate on their own threads, so serving goes
 * on meanwhile.
 */
export async function smokeEvaluate(set: PolicySet, bundles: ReadonlySet<string>): Promise<void> {
  for (const summary of set.bundles) {
    if (bundles.has(summary.name)) await smokeEntrypoints(set, summary.name, summary.entrypoints)
  }
}

async function smokeEntrypoints(
  set: PolicySet,
  bundle: string,
  entrypoints: readonly string[],
): Promise<void> {
  for (const entrypoint of outermost(entrypoints)) {
    try {
      // run for its errors alone: writing out a package's value (the whole catalog, say) would grow the instance's
      // memory by several times the data's size, for as long as the instance lives
      await set.evaluate(entrypoint, EMPTY_INPUT, { discardResult: true })
    } catch (thrown) {
      if (isFatalEvaluationError(thrown)) {
        throw new ClearanceError(
          ErrorCodes.bundleError,
          `bundle "${bundle}": entrypoint "${entrypoint}" cannot run: ${describeThrown(thrown)}`,
          { cause: thrown },
        )
      }
      const below = entrypoints.filter((name) => name.startsWith(`${entrypoint}/`))
      await smokeEntrypoints(set, bundle, below)
    }
  }
}
