export { type DiffSide, diffBundles } from './bundle-diff.js'
export {
  type BundleWorkspace,
  createBundleWorkspace,
  isPolicyFolder,
  type ResolvedBundle,
} from './candidate-bundle.js'
export {
  classifyChange,
  DECISION_CHANGES,
  type DecisionAnswer,
  type DecisionChange,
} from './decision-change.js'
export { DIFF_FORMATS, type DiffFormat, formatDiff } from './diff-report.js'
export { resolveLogFiles } from './log-files.js'
export { formatReplay, parseFailOn, parseFormat, replayReport } from './replay-report.js'
export { type ReplayProgress, runReplay } from './replay-runner.js'
