// The one outbound HTTP client: bounded GETs with TLS and credentials, and the jittered back-off pollers and
// shippers share.
export { type Agents, authorizationHeader, createAgents, type HttpCredentials } from './agents.js'
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
export { defaultPolling, type PollingConfig, pollDelay } from './poll-delay.js'
