// OpenTelemetry spans for decisions, written against the shape of @opentelemetry/api's Tracer so the SDK neither
// depends on nor loads it: pass `trace.getTracer('orders')` and every decision becomes a `clearance.decision` span
// (a child of the request's active span) with the decision id, allow, revisions and, for a failed decision, its
// error code and an error status.
import type { CheckDecision } from '../client/index.js'
import type { DecisionInput } from './decision-input.js'

type AttributeValue = string | number | boolean

/** The part of an OpenTelemetry Span the SDK uses. */
export interface DecisionSpan {
  setAttribute(key: string, value: AttributeValue): unknown
  setStatus(status: { code: number; message?: string }): unknown
  end(): void
}

/** The part of an OpenTelemetry Tracer the SDK uses. */
export interface DecisionTracer {
  startSpan(
    name: string,
    options?: { kind?: number; attributes?: Record<string, AttributeValue> },
  ): DecisionSpan
}

/** SpanKind.INTERNAL and SpanStatusCode.ERROR of @opentelemetry/api. */
const SPAN_KIND_INTERNAL = 0
const STATUS_ERROR = 2

export interface OpenDecisionSpan {
  decided(decision: CheckDecision): void
}

function operationName(input: DecisionInput): string {
  const { operation } = input.target
  return 'rpc' in operation ? operation.rpc : `${operation.method} ${operation.path}`
}

export function startDecisionSpan(
  tracer: DecisionTracer,
  service: string,
  input: DecisionInput,
): OpenDecisionSpan {
  const span = tracer.startSpan('clearance.decision', {
    kind: SPAN_KIND_INTERNAL,
    attributes: { 'clearance.service': service, 'clearance.operation': operationName(input) },
  })
  return {
    decided(decision) {
      span.setAttribute('clearance.allow', decision.allow)
      if (decision.decisionId !== undefined) span.setAttribute('clearance.decision_id', decision.decisionId)
      const revisions = Object.entries(decision.revisions)
      if (revisions.length > 0) {
        // One attribute to filter on (the revision, or "bundle=revision,…" for several bundles), and one per bundle.
        span.setAttribute(
          'clearance.revision',
          revisions.length === 1 ? revisions[0]![1] : revisions.map(([b, r]) => `${b}=${r}`).join(','),
        )
        for (const [bundle, revision] of revisions)
          span.setAttribute(`clearance.revision.${bundle}`, revision)
      }
      if (decision.cached === true) span.setAttribute('clearance.cached', true)
      if (decision.error !== undefined) {
        span.setAttribute('clearance.error', decision.error.code)
        span.setStatus({ code: STATUS_ERROR, message: decision.error.code })
      }
      span.end()
    },
  }
}
