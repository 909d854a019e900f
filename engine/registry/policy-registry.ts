// The active policy set. Readers take `current()` once per decision and keep that reference, so a swap never
// changes the policy under a decision in flight; a new set replaces the old one in a single assignment.
import type { PolicySet } from '../evaluator/policy-set.js'

export type ActivationListener = (next: PolicySet, previous: PolicySet | undefined) => void

export interface PolicyRegistry {
  current(): PolicySet | undefined
  activate(next: PolicySet): void
  onActivate(listener: ActivationListener): () => void
}

export function createPolicyRegistry(): PolicyRegistry {
  let active: PolicySet | undefined
  const listeners = new Set<ActivationListener>()
  return {
    current: () => active,
    activate(next) {
      const previous = active
      active = next
      for (const listener of listeners) listener(next, previous)
    },
    onActivate(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
