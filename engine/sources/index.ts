export {
  type BundleFetcher,
  createBundleFetcher,
  type FetchOptions,
  type HttpCredentials,
} from './bundle-fetch.js'
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
export { defaultPolling, type PollingConfig, pollDelay } from './poll-delay.js'
export type {
  BundleOffer,
  BundleSink,
  BundleSource,
  OfferOutcome,
  SourceState,
  TrackedBundle,
} from './source.js'
