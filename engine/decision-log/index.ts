// The decision log: OPA-shaped events, masking, sampling, and the sinks that carry them (console, file, HTTP).
export { BoundedQueue, type QueueLimits } from './bounded-queue.js'
export {
  type DecisionRecord,
  decisionRecord,
  errorRecord,
  type RecordExtras,
  remoteAddr,
  type ShadowOutcome,
} from './decision-event.js'
export {
  createDecisionLogger,
  type DecisionLogger,
  type DecisionLoggerOptions,
  type DecisionLogStats,
} from './decision-logger.js'
export { createDecisionObserver, type DecisionObserver } from './decision-observer.js'
export { createEventEncoder, rfc3339Nano } from './event-encoder.js'
export { createEventProcessor, type EventProcessor } from './event-processor.js'
export {
  createHttpUploader,
  type HttpUploader,
  type HttpUploaderOptions,
  retryAfterMs,
  uploadUrl,
} from './http-uploader.js'
export {
  DEFAULT_DROP_PATH,
  DEFAULT_MASK_PATH,
  type LogPolicyEvaluator,
  logPolicyEvaluators,
} from './log-policy.js'
export {
  applyMaskRules,
  type MaskDocument,
  type MaskRule,
  parseConfiguredMasks,
  parseMaskRule,
  parseMaskRules,
} from './mask-rules.js'
export { createSampler, type SamplingConfig } from './sampling.js'
export {
  createNoopSink,
  type DecisionLogSink,
  type DropReason,
  type OnDelivered,
  type OnDrop,
  type SinkState,
  type SinkStats,
} from './sink.js'
export { createConsoleSink, createFileSink, type LineWriter } from './stream-sink.js'
