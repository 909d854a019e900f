// Where bundles come from (directory, HTTP, OCI) and the active set: validate-then-swap, status.
export {
  type ActivatedInfo,
  type ActivationStatus,
  type BundleStatus,
  createActivationStatus,
  type FailureInfo,
  type TrackOptions,
} from './activation-status.js'
export { BUNDLE_MARKERS, type BundleLayout, detectLayout, listBundleEntries } from './bundle-layout.js'
export {
  type BundleManager,
  type BundleManagerOptions,
  type BundleSourceSpec,
  createBundleManager,
  type PathSpec,
  type StatusReport,
  type UrlSpec,
} from './bundle-manager.js'
export {
  type BundleChange,
  type BundleRegistry,
  type ChangeOutcome,
  createBundleRegistry,
} from './bundle-registry.js'
export { type BundleSpec, isRemote, isUrl, parseBundleSpec, parseBundleSpecs } from './bundle-spec.js'
export { type BundleStore, createBundleStore, type PersistedBundle } from './bundle-store.js'
export { type Cooldown, createCooldown } from './cooldown.js'
export {
  createDirectorySource,
  type DeleteMode,
  type DirectorySource,
  type DirectorySourceOptions,
} from './directory-source.js'
export { chokidarWatch, type FileWatcher, type WatchFactory, type WatchTarget } from './file-watcher.js'
export { createHttpSource, type HttpSource, type HttpSourceOptions } from './http-source.js'
export { type LocalRead, readLocalBundle } from './local-bundle.js'
export {
  bundleLayerOf,
  createOciBundleFetcher,
  createOciSource,
  type OciSourceOptions,
} from './oci-source.js'
export { type ActivationListener, createPolicyRegistry, type PolicyRegistry } from './policy-registry.js'
export { createRelaySource, type RelaySourceOptions } from './relay-source.js'
export { isFatalEvaluationError, smokeEvaluate } from './smoke-evaluation.js'
export type {
  BundleOffer,
  BundleSink,
  BundleSource,
  OfferOutcome,
  SourceState,
  TrackedBundle,
} from './source.js'
