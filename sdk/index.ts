export { ClearanceError, type ErrorCode } from '../engine/errors.js'
export {
  createLocalEvaluator,
  type LocalDecision,
  type LocalEvaluator,
  type LocalEvaluatorOptions,
} from './local-evaluator.js'
