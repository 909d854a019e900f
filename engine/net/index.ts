// The one outbound HTTP client: bounded GETs with TLS and credentials, the OCI registry client, and the jittered
// back-off pollers and shippers share.
export { type Agents, authorizationHeader, createAgents, type HttpCredentials } from './agents.js'
export {
  type ExchangeRequest,
  type ExchangeResponse,
  exchange,
  isTlsToPlainHttp,
} from './http-exchange.js'
export {
  type BundleFetcher,
  createBundleFetcher,
  type FetchOptions,
  type FetchResponse,
} from './http-get.js'
export {
  createUploadClient,
  type UploadClient,
  type UploadClientOptions,
  type UploadResponse,
} from './http-post.js'
export { type BundleManifestOptions, bundleManifest, type PushedBundle, pushBundle } from './oci-push.js'
export {
  formatOciReference,
  isLoopbackRegistry,
  isOciReference,
  type OciReference,
  parseOciReference,
  registryHost,
} from './oci-reference.js'
export {
  createOciRegistryClient,
  type ManifestResponse,
  OCI_BUNDLE_LAYER_MEDIA_TYPE,
  OCI_CONFIG_MEDIA_TYPE,
  OCI_MANIFEST_MEDIA_TYPE,
  type OciRegistryClient,
  type OciRegistryOptions,
  parseChallenge,
  sha256Digest,
} from './oci-registry.js'
export { defaultPolling, type PollingConfig, pollDelay } from './poll-delay.js'
