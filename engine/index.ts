// The engine's public surface: what sdk/local and other packages may import. Everything else is internal.
export {
  type ActivationListener,
  type BundleManager,
  type BundleSourceSpec,
  type BundleSpec,
  createBundleManager,
  createPolicyRegistry,
  type DeleteMode,
  isUrl,
  type PolicyRegistry,
  parseBundleSpec,
  parseBundleSpecs,
  type StatusReport,
} from './activation/index.js'
export type { VerificationConfig } from './bundle/index.js'
export {
  createDecider,
  createInputValidator,
  type Decider,
  type Decision,
  decideVerdict,
  type InputValidator,
  type VerdictDeps,
} from './decision/index.js'
export { type DecisionRecord, decisionRecord } from './decision-log/index.js'
export { ClearanceError, describeThrown, type ErrorCode, ErrorCodes } from './errors.js'
export { encodeJson, isRecord, parseJson, stringifyJson } from './json/index.js'
export type { PollingConfig } from './net/index.js'
export { normalizePath, type PolicySet } from './policy/index.js'
export { createShadowRecorder, type ShadowStatus } from './shadow/index.js'
export { packageRoot, VERSION } from './version.js'
