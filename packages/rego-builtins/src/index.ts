// @clearance/rego-builtins: the builtins OPA's wasm target leaves to the host, with the semantics of OPA's Go
// implementation, for @open-policy-agent/opa-wasm. This file is the package's only public surface.
export {
  BUILTIN_ERROR_PREFIX,
  type Builtin,
  type BuiltinOptions,
  beginEvaluation,
  createBuiltins,
  hostBuiltinNames,
  isClearanceBuiltins,
  setStrictBuiltinErrors,
} from './create-builtins.js'
export { JWS_ALGORITHMS } from './crypto/index.js'
export { compileTimeBuiltinNames, nativeBuiltinNames, opaWasmBuiltinNames } from './host/index.js'
export {
  bridgeHostValues,
  OutOfRangeNumber,
  parseJson,
  RegoSet,
  stringifyJson,
  ValueDumpReader,
} from './values/index.js'
