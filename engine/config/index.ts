// Flags → validated configuration; every default written once (defaults.ts).
export {
  type DecisionLogConfig,
  isLoopback,
  parseAddr,
  type ServeConfig,
  type ServeOptions,
  serveConfigFromOptions,
} from './config.js'
export { DEFAULTS } from './defaults.js'
export { GATEWAY_DEFAULTS, type GatewayConfig } from './gateway-config.js'
