// Making decisions: the Decider over the active policy set, the /v1/check verdict and its input schema.
export {
  createDecider,
  type Decider,
  type DeciderDeps,
  type Decision,
  type DecisionContext,
} from './decider.js'
export { createInputValidator, type InputValidator } from './input-schema.js'
export { observeDecisions } from './observed-decider.js'
export { asVerdict, decideVerdict, type Verdict, type VerdictDeps } from './verdict.js'
