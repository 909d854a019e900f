// In-process decisions from the same bundles the server loads, built on engine's bundle reader, policy set and
// decider (no copies). Decisions are synchronous once the evaluator is ready.
import { loadBundleFromPath } from '../engine/bundle/index.js'
import { parseBundleSpecs } from '../engine/config.js'
import { createDecider } from '../engine/decision/decider.js'
import { encodeJson, parseJson } from '../engine/evaluator/json-codec.js'
import { createPolicySet, normalizePath } from '../engine/evaluator/policy-set.js'
import { createPolicyRegistry } from '../engine/registry/policy-registry.js'

export interface LocalDecision<T = unknown> {
  decisionId: string
  /** Undefined when the document is undefined. */
  result: T | undefined
  /** Bundle name → revision that made the decision. */
  revisions: Readonly<Record<string, string>>
}

export interface LocalEvaluator {
  /** Evaluates `data.<path>` with `input` (omit for no input). Throws ClearanceError when evaluation fails. */
  evaluate<T = unknown>(path: string, input?: unknown): LocalDecision<T>
  close(): void
}

export interface LocalEvaluatorOptions {
  /** Bundle files or directories, as `path` or `name=path`. */
  bundles: string[]
}

export async function createLocalEvaluator({ bundles }: LocalEvaluatorOptions): Promise<LocalEvaluator> {
  const specs = parseBundleSpecs(bundles)
  const loaded = await Promise.all(specs.map((spec) => loadBundleFromPath(spec.name, spec.path)))
  const registry = createPolicyRegistry()
  registry.activate(await createPolicySet(loaded))
  const decider = createDecider({ registry })
  return {
    evaluate<T>(path: string, input?: unknown): LocalDecision<T> {
      const decision = decider.decide(
        normalizePath(path),
        input === undefined ? undefined : encodeJson(input),
      )
      return {
        decisionId: decision.decisionId,
        result: decision.outcome.defined ? (parseJson(decision.outcome.json) as T) : undefined,
        revisions: decision.policies.revisions,
      }
    },
    close() {
      // Nothing to release yet; watchers attach here once bundles hot-reload.
    },
  }
}
