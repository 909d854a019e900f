// Shadow bundles: decisions made again by a candidate bundle off the response path, compared and counted.
export { divergenceView } from './divergence-view.js'
export {
  createShadowRecorder,
  type ShadowRecorder,
  type ShadowRecorderOptions,
  type ShadowStatus,
  shadowRevision,
} from './shadow-recorder.js'
export { createShadow, type Shadow, type ShadowDeps } from './shadow-wiring.js'
