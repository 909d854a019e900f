// The active policy set. Readers take `current()` once per decision and keep that reference, so a swap never
// changes the policy under a decision in flight; a new set replaces the old one in a single assignment.
import type { PolicySet } from '../policy/index.js'

export type ActivationListener = (next: PolicySet, previous: PolicySet | undefined) => void

export interface PolicyRegistry {
  current(): PolicySet | undefined
  /** When the current set was activated (ms since the epoch); undefined before the first activation. */
  activatedAt(): number | undefined
  activate(next: PolicySet): void
  onActivate(listener: ActivationListener): () => void
}

export function createPolicyRegistry({ now = Date.now }: { now?: () => number } = {}): PolicyRegistry {
  let active: PolicySet | undefined
  let activatedAt: number | undefined
  const listeners = new Set<ActivationListener>()
  return {
    current: () => active,
    activatedAt: () => activatedAt,
    activate(next) {
      const previous = active
      active = next
      activatedAt = now()
      for (const listener of listeners) listener(next, previous)
    },
    onActivate(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
