export { type Builtin, createBuiltins } from '@clearance/rego-builtins'
export {
  type CacheablePolicySet,
  createDecisionCache,
  type DecisionCache,
  type DecisionCacheOptions,
  type DecisionCacheStats,
  isDeterministic,
} from './decision-cache.js'
export { outermost } from './document-index.js'
export { type EvaluationPlaces, evaluationPlaces } from './evaluation-places.js'
export {
  type BundleSummary,
  createPolicySet,
  type EvalOutcome,
  normalizePath,
  type PolicySet,
  type PolicySetOptions,
} from './policy-set.js'
export { loadWasmPolicy, type WasmPolicy, type WasmPolicyOptions } from './wasm-policy.js'
