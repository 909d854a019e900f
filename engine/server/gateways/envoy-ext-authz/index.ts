// Envoy's ext_authz gRPC face: OPA-Envoy-plugin inputs and decisions over Envoy's own protos.
export { checkRequestInput, EXT_AUTHZ_VERSION } from './check-input.js'
export { checkResponse, RPC_OK, RPC_PERMISSION_DENIED } from './check-response.js'
export { CHECK_METHOD_PATH, checkMethod, envoyAuthPackage, PROTO_OPTIONS } from './envoy-protos.js'
export { type ExtAuthzOptions, type ExtAuthzServer, startExtAuthzServer } from './ext-authz-server.js'
