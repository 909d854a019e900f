// The one outbound HTTP client: bounded GETs with TLS and credentials, and the jittered back-off pollers and
// shippers share.
export {
  type BundleFetcher,
  createBundleFetcher,
  type FetchOptions,
  type FetchResponse,
  type HttpCredentials,
} from './http-get.js'
export { defaultPolling, type PollingConfig, pollDelay } from './poll-delay.js'
