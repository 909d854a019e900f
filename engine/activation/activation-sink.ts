// What sources report to: each bundle a source read is verified (signatures), checked (manifest, roots, data)
// and activated through the bundle registry, and every step lands in the bundle's status. It also remembers which
// source provides which bundle name, so two sources cannot fight over one.
import type { Logger } from 'pino'
import type { Bundle, BundleVerifier } from '../bundle/index.js'
import { loadVerifiedBundle } from '../bundle/index.js'
import { type ClearanceError, describeThrown, ErrorCodes, toClearanceError } from '../errors.js'
import type { ActivationStatus } from './activation-status.js'
import type { BundleRegistry } from './bundle-registry.js'
import type { BundleOffer, BundleSink, OfferOutcome } from './source.js'

export interface ActivationSinkDeps {
  bundles: BundleRegistry
  status: ActivationStatus
  log: Logger
  /** The verifier for a source's bundles (undefined: signed bundles are refused). */
  verifierFor(source: string): BundleVerifier | undefined
  /** The max age for a source's bundles. */
  maxAgeFor(source: string): number | undefined
}

export interface ActivationSink extends BundleSink {
  /** Bundle name → the name of the source providing it. */
  owners(): ReadonlyMap<string, string>
}

const nowNs = (): bigint => process.hrtime.bigint()

export function createActivationSink({
  bundles,
  status,
  log,
  verifierFor,
  maxAgeFor,
}: ActivationSinkDeps): ActivationSink {
  const owners = new Map<string, string>()

  const load = (offer: BundleOffer): Promise<Bundle> => {
    const owner = owners.get(offer.name)
    return loadVerifiedBundle(offer.name, offer.files, owner === undefined ? undefined : verifierFor(owner))
  }

  const sink: ActivationSink = {
    owners: () => owners,
    claim(source, name, tracked) {
      const owner = owners.get(name)
      if (owner !== undefined && owner !== source) return false
      owners.set(name, source)
      status.track(name, { confirmRequired: tracked.confirmRequired, maxAgeMs: maxAgeFor(source) })
      return true
    },
    async offer(offers) {
      const outcomes = new Map<string, OfferOutcome>()
      const loaded: Array<{ offer: BundleOffer; bundle: Bundle; loadNs: number }> = []
      for (const offer of offers) {
        const started = nowNs()
        try {
          loaded.push({ offer, bundle: await load(offer), loadNs: Number(nowNs() - started) })
        } catch (thrown) {
          const error = toClearanceError(thrown, ErrorCodes.bundleError)
          sink.fail(offer.name, error, { metrics: offer.metrics })
          outcomes.set(offer.name, { ok: false, error })
        }
      }
      const activating = nowNs()
      const applied = await bundles.apply(loaded.map(({ offer, bundle }) => ({ name: offer.name, bundle })))
      const activateNs = Number(nowNs() - activating)
      applied.forEach((outcome, index) => {
        const { offer, bundle, loadNs } = loaded[index]!
        const metrics = {
          ...offer.metrics,
          timer_rego_load_bundles_ns: loadNs,
          timer_bundle_activate_ns: activateNs,
        }
        if (outcome.ok) {
          const revision = bundle.manifest.revision
          status.activated(offer.name, { revision, size: offer.size, metrics })
          log.info({ bundle: offer.name, revision }, 'bundle activated')
          outcomes.set(offer.name, { ok: true, revision })
        } else {
          sink.fail(offer.name, outcome.error, { metrics })
          outcomes.set(offer.name, { ok: false, error: outcome.error })
        }
      })
      return offers.map((offer) => outcomes.get(offer.name)!)
    },
    fail(name, error, info) {
      status.failed(name, error, info)
      log.warn(
        {
          bundle: name,
          code: (error as ClearanceError).code ?? ErrorCodes.bundleError,
          err: describeThrown(error),
        },
        'bundle refused; the last good one keeps serving',
      )
    },
    async withdraw(name, mode) {
      if (mode === 'keep') return
      if (bundles.get(name) !== undefined) {
        const [outcome] = await bundles.apply([{ name, bundle: undefined }])
        if (outcome !== undefined && !outcome.ok) {
          status.failed(name, outcome.error)
          return
        }
        log.info({ bundle: name }, 'bundle deactivated')
      }
      status.forget(name)
      owners.delete(name)
    },
    requested: (name) => status.requested(name),
    requestSucceeded: (name) => status.requestSucceeded(name),
    downloaded: (name, size) => status.downloaded(name, size),
    confirmed: (name) => status.confirmed(name),
  }
  return sink
}
