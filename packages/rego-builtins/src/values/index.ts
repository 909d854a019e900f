// Rego values on the host side: the types sets and out-of-range numbers take, OPA's value order, the JSON codec
// with exact integers, and the bridge that carries values between a wasm instance and the builtins as Rego
// values (sets stay sets, in OPA's order).
export {
  bridgedResultText,
  bridgeHostValues,
  resetBridge,
  takeBridgedArguments,
} from './host-value-bridge.js'
export { parseJson, stringifyJson } from './json-text.js'
export { isObject, type JsonObject } from './json-value.js'
export { OutOfRangeNumber } from './out-of-range-number.js'
export { RegoSet } from './rego-set.js'
export { ValueDumpReader } from './value-dump.js'
export { compareStrings, compareValues, setHas, setOf, sortedKeys, valuesEqual } from './value-order.js'
