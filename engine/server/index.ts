export { type AppDeps, createApp, createHttpHandlers, type HttpHandlers } from './app.js'
export { createClusterSupervisor, isClusterWorker, leaveCluster, parseWorkerCount } from './cluster.js'
export {
  type ClusterBundles,
  type ClusterBundlesOptions,
  joinClusterBundles,
  startClusterBundles,
  type WorkerBundles,
  type WorkerBundlesLink,
  type WorkerBundlesOptions,
} from './cluster-bundles.js'
export { fullGarbageCollector } from './collect-garbage.js'
export { dataResponseText } from './decision-response.js'
export { describeError, type ErrorBody } from './error-response.js'
export { startGateways } from './gateways/start-gateways.js'
export type { LeanRoute } from './lean-data-route.js'
export { listen, type TlsFiles } from './listen.js'
export type { AuthenticationOptions } from './middleware/authentication.js'
export {
  parseTokenFile,
  type ScopedToken,
  scopeOf,
  TOKEN_SCOPES,
  type TokenScope,
} from './middleware/token-scopes.js'
export type { HttpConfig } from './routes/route-deps.js'
export { defaultUiDir, loadUiAssets, type UiAssets, type UiDeps } from './ui/index.js'
