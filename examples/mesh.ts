// What the two example services share: how a caller's identity reaches them, their SPIFFE IDs, the audit record
// they write when a decision carries the audit obligation, and the running-service handle.
import type { Authorization } from '../sdk/index.js'

/**
 * Set by the mesh sidecar in front of each service after it verified the caller's X.509-SVID. A service reachable
 * without the sidecar must not trust it; such services read the certificate instead (the SDK's default).
 */
export const IDENTITY_HEADER = 'x-spiffe-id'

export const SPIFFE_IDS = {
  web: 'spiffe://shop.example/ns/prod/sa/web',
  orders: 'spiffe://shop.example/ns/prod/sa/orders',
  analytics: 'spiffe://shop.example/ns/prod/sa/analytics',
} as const

export interface AuditRecord {
  audit: true
  service: string
  decision_id: string | undefined
  allow: boolean
  caller: unknown
  operation: unknown
  reasons: string[]
  revisions: Readonly<Record<string, string>>
}

export type AuditSink = (record: AuditRecord) => void

export function auditRecord(service: string, authorization: Authorization): AuditRecord {
  const { decision, input } = authorization
  return {
    audit: true,
    service,
    decision_id: decision.decisionId,
    allow: decision.allow,
    caller: input.subject,
    operation: input.target.operation,
    reasons: decision.reasons.map((reason) => reason.code),
    revisions: decision.revisions,
  }
}

export interface RunningService {
  url: string
  close(): Promise<void>
}
