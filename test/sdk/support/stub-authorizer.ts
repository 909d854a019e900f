// An authorizer with a scripted answer, recording the inputs it was asked about.
import type { Authorizer, CheckDecision } from '../../../sdk/index.js'

export interface StubAuthorizer extends Authorizer {
  inputs: unknown[]
}

export function allowWith(obligations: CheckDecision['obligations'] = []): CheckDecision {
  return {
    decisionId: '00000000-0000-4000-8000-00000000000a',
    allow: true,
    reasons: [{ code: 'grant_matched', message: 'scripted allow' }],
    obligations,
    revisions: { clearance: 'stub' },
  }
}

export const DENIED: CheckDecision = {
  decisionId: '00000000-0000-4000-8000-00000000000d',
  allow: false,
  reasons: [{ code: 'no_grant', message: 'scripted deny' }],
  obligations: [],
  revisions: { clearance: 'stub' },
}

export function stubAuthorizer(answer: CheckDecision | (() => CheckDecision)): StubAuthorizer {
  const inputs: unknown[] = []
  return {
    inputs,
    check(input) {
      inputs.push(input)
      return typeof answer === 'function' ? answer() : answer
    },
  }
}
