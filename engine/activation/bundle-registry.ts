// Validate-then-swap over the set of active bundles. A policy set spans every bundle, so replacing one bundle means
// building a whole new set (roots checked, data merged, wasm instantiated, entrypoints smoke-evaluated) from the
// current bundles with that one replaced, off to the side; only a complete, checked set is handed to the policy
// registry, in one assignment. Changes are applied one batch at a time, so two reloads never race.
import type { Bundle } from '../bundle/index.js'
import { dataUnderRoots } from '../bundle/index.js'
import { ClearanceError, ErrorCodes, toClearanceError } from '../errors.js'
import { createPolicySet, type PolicySet, type PolicySetOptions } from '../policy/index.js'
import type { PolicyRegistry } from './policy-registry.js'
import { smokeEvaluate } from './smoke-evaluation.js'

/** A bundle to activate under `name`, or `bundle: undefined` to deactivate it. */
export interface BundleChange {
  name: string
  bundle: Bundle | undefined
}

export type ChangeOutcome =
  | { name: string; ok: true; revision: string | undefined }
  | { name: string; ok: false; error: ClearanceError }

export interface BundleRegistry {
  /**
   * Applies changes, after any already queued. A batch that builds as a whole is swapped in at once; otherwise
   * each change is tried on its own so one bad bundle does not hold back the others. Never rejects.
   */
  apply(changes: readonly BundleChange[]): Promise<ChangeOutcome[]>
  /** Names of the bundles in the active set. */
  names(): string[]
  /** The active bundle under `name`. */
  get(name: string): Bundle | undefined
}

export interface BundleRegistryDeps {
  registry: PolicyRegistry
  wasm?: PolicySetOptions
  /** Builds a policy set; the evaluator's createPolicySet unless a test replaces it. */
  build?: (bundles: readonly Bundle[], options: PolicySetOptions) => Promise<PolicySet>
  /**
   * How long a replaced policy set stays usable before its threads are released, for readers that took it
   * just before the swap. Default 1000 ms.
   */
  retireAfterMs?: number
}

/**
 * The bundle as kept once active: its data is read back from the active set's document when a later rebuild needs
 * it, instead of holding the parsed copy it was loaded with (a large catalog would be held twice).
 */
function dataFromSet(bundle: Bundle, set: PolicySet): Bundle {
  const { data: _loaded, ...rest } = bundle
  const roots = bundle.manifest.roots // not `bundle`: the getter must not keep the loaded data alive
  return Object.defineProperty(rest, 'data', {
    enumerable: true,
    get: () => dataUnderRoots(set.dataDocument(), roots),
  }) as Bundle
}

export function createBundleRegistry({
  registry,
  wasm = {},
  build = createPolicySet,
  retireAfterMs = 1000,
}: BundleRegistryDeps): BundleRegistry {
  let active = new Map<string, Bundle>()
  let queue: Promise<unknown> = Promise.resolve()

  const tryChanges = async (changes: readonly BundleChange[]): Promise<void> => {
    const next = new Map(active)
    for (const { name, bundle } of changes) {
      if (bundle === undefined) next.delete(name)
      else next.set(name, bundle)
    }
    const set = await build([...next.values()], wasm)
    try {
      await smokeEvaluate(set, new Set(changes.filter((c) => c.bundle !== undefined).map((c) => c.name)))
    } catch (thrown) {
      set.close()
      throw thrown
    }
    const previous = registry.current()
    active = new Map([...next].map(([name, bundle]) => [name, dataFromSet(bundle, set)]))
    registry.activate(set)
    if (previous !== undefined) setTimeout(() => previous.close(), retireAfterMs).unref()
  }

  const success = (change: BundleChange): ChangeOutcome => ({
    name: change.name,
    ok: true,
    revision: change.bundle?.manifest.revision,
  })
  const failure = (change: BundleChange, thrown: unknown): ChangeOutcome => ({
    name: change.name,
    ok: false,
    error: toClearanceError(thrown, ErrorCodes.bundleError, `bundle "${change.name}"`),
  })

  const run = async (changes: readonly BundleChange[]): Promise<ChangeOutcome[]> => {
    if (changes.length === 0) return []
    try {
      await tryChanges(changes)
      return changes.map(success)
    } catch (thrown) {
      if (changes.length === 1) return [failure(changes[0]!, thrown)]
    }
    const outcomes: ChangeOutcome[] = []
    for (const change of changes) {
      try {
        await tryChanges([change])
        outcomes.push(success(change))
      } catch (thrown) {
        outcomes.push(failure(change, thrown))
      }
    }
    return outcomes
  }

  return {
    apply(changes) {
      const result = queue.then(() => run(changes))
      queue = result.catch(() => undefined)
      return result.catch((thrown: unknown) =>
        changes.map((change) =>
          failure(change, new ClearanceError(ErrorCodes.internalError, String(thrown), { cause: thrown })),
        ),
      )
    },
    names: () => [...active.keys()],
    get: (name) => active.get(name),
  }
}
