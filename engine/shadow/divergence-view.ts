// The recent divergences as GET /v1/shadow/divergences shows them: each decision as its decision-log event would
// be written — the configured mask pointers and the bundle's mask policy applied to the input, the result and the
// shadow result — with both answers and their reasons.
import type { EventProcessor } from '../decision-log/index.js'
import { parseJson } from '../json/index.js'
import type { ShadowRecorder } from './shadow-recorder.js'

export function divergenceView(
  recorder: Pick<ShadowRecorder, 'recentDivergences'>,
  processor: EventProcessor,
): (limit: number) => unknown[] {
  return (limit) =>
    recorder.recentDivergences(limit).map((record) => {
      const line = processor.process(record)
      // an event the mask policy could not mask is not shown at all, as it would not be logged
      return typeof line === 'string'
        ? parseJson(line)
        : { decision_id: record.decisionId, path: record.path, withheld: line.dropped }
    })
}
