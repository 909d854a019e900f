export { type Builtin, createBuiltins } from '@clearance/rego-builtins'
export { outermost } from './document-index.js'
export {
  type BundleSummary,
  createPolicySet,
  type EvalOutcome,
  normalizePath,
  type PolicySet,
  type PolicySetOptions,
} from './policy-set.js'
export { loadWasmPolicy, type WasmPolicy, type WasmPolicyOptions } from './wasm-policy.js'
