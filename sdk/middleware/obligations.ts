// The obligations of an allowed decision, read into what a service acts on. A policy enforcement point must fulfil
// every obligation of an allow or treat it as a deny, so any obligation type the SDK does not know is listed in
// `unknown`, and the middleware denies on it unless told otherwise.
import type { Obligation } from '../client/index.js'

/** What the service must do for this request; set on the request context by the middleware. */
export interface RequestObligations {
  /** Keep an audit record of the decision and the request (obligation `audit`). */
  audit: boolean
  /** Redact these dotted field paths from the response (obligation `mask_fields`). */
  maskFields: string[]
  /** Apply this rate-limit class (obligation `rate_limit`). */
  rateLimitClass: string | undefined
  /** Return or change only records whose field equals the signed-in user (obligation `restrict_to_owner`). */
  restrictToOwner: string | undefined
  /** Controls the boundary is migrating to and this call lacked, e.g. "mtls" (obligations `require_<control>`). */
  missingControls: string[]
  /** Obligations of types the SDK does not know. */
  unknown: Obligation[]
}

const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined

export function readObligations(obligations: readonly Obligation[]): RequestObligations {
  const read: RequestObligations = {
    audit: false,
    maskFields: [],
    rateLimitClass: undefined,
    restrictToOwner: undefined,
    missingControls: [],
    unknown: [],
  }
  for (const obligation of obligations) {
    const { type } = obligation
    if (type === 'audit') {
      read.audit = true
    } else if (type === 'mask_fields' && strings(obligation.fields) !== undefined) {
      for (const field of strings(obligation.fields)!)
        if (!read.maskFields.includes(field)) read.maskFields.push(field)
    } else if (type === 'rate_limit' && typeof obligation.class === 'string') {
      read.rateLimitClass = obligation.class
    } else if (type === 'restrict_to_owner' && typeof obligation.field === 'string') {
      read.restrictToOwner = obligation.field
    } else if (type.startsWith('require_') && Object.keys(obligation).length === 1) {
      read.missingControls.push(type.slice('require_'.length))
    } else {
      read.unknown.push(obligation)
    }
  }
  return read
}
