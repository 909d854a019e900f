// Builtins that Clearance supplies to every wasm instance on top of what OPA compiles natively
// (native-builtins.ts) and what opa-wasm implements in JavaScript (opa-wasm-table.ts). One module per family;
// this file assembles them and applies OPA's error convention: a builtin that fails makes its expression
// undefined (OPA's default, non-strict builtin errors), or, in strict mode, fails the evaluation.

import {
  awsSigningBuiltins,
  base64urlBuiltins,
  cryptoBuiltins,
  hexBuiltins,
  jwtBuiltins,
  x509Builtins,
} from './crypto/index.js'
import { graphqlBuiltins } from './graphql/index.js'
import type { BuiltinTable, HostContext } from './host/index.js'
import {
  BuiltinError,
  createEvaluationScope,
  type EvaluationScope,
  opaWasmBuiltinNames,
  replaceOpaWasmBuiltins,
  systemClockNs,
} from './host/index.js'
import {
  castBuiltins,
  debugBuiltins,
  globBuiltins,
  graphBuiltins,
  jsonBuiltins,
  jsonSchemaBuiltins,
  netBuiltins,
  numberBuiltins,
  objectBuiltins,
  opaRuntimeBuiltins,
  randBuiltins,
  regexBuiltins,
  semverBuiltins,
  sprintfBuiltins,
  stringBuiltins,
  templateBuiltins,
  timeBuiltins,
  unitsBuiltins,
  uriBuiltins,
  urlqueryBuiltins,
  uuidBuiltins,
  yamlBuiltins,
} from './rego/index.js'
import { bridgedResultText, resetBridge, stringifyJson, takeBridgedArguments } from './values/index.js'

/** A host builtin: receives its arguments as JSON values, returns a JSON value or undefined. */
export type Builtin = (...args: unknown[]) => unknown

export interface BuiltinOptions {
  /** Fail the evaluation when a builtin fails, like `opa eval --strict-builtin-errors`. Default false. */
  strictBuiltinErrors?: boolean
  /** Nanoseconds since the Unix epoch; defaults to the system clock. */
  clock?: () => bigint
  /** The value opa.runtime() returns; default `{}`. */
  runtime?: Record<string, unknown>
  /** Receives print() output; default discards it. */
  print?: (line: string) => void
  /** Source of random bytes; default node:crypto. */
  randomBytes?: (size: number) => Uint8Array
  /** Extra builtins (e.g. a test harness's), added after Clearance's own. */
  extra?: Record<string, Builtin>
}

function families(host: HostContext): BuiltinTable[] {
  return [
    awsSigningBuiltins(),
    base64urlBuiltins(),
    castBuiltins(),
    cryptoBuiltins(),
    debugBuiltins(host),
    globBuiltins(),
    graphBuiltins(),
    graphqlBuiltins(),
    hexBuiltins(),
    jsonBuiltins(),
    jsonSchemaBuiltins(),
    jwtBuiltins(host),
    netBuiltins(),
    numberBuiltins(),
    objectBuiltins(),
    opaRuntimeBuiltins(host),
    randBuiltins(host),
    regexBuiltins(),
    semverBuiltins(),
    sprintfBuiltins(),
    stringBuiltins(),
    templateBuiltins(),
    timeBuiltins(host),
    unitsBuiltins(),
    uriBuiltins(),
    urlqueryBuiltins(),
    uuidBuiltins(host),
    x509Builtins(host),
    yamlBuiltins(),
  ]
}

function defaultRandomBytes(size: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(size))
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * Results go back to opa-wasm as text in an ArrayBuffer (which it parses without stringifying again), so integers
 * beyond 2^53 — bigint in our builtins — keep every digit, and sets stay sets (host-value-bridge.ts).
 */
function encodeResult(value: unknown, bridged: boolean): unknown {
  const text = bridgedResultText(value, bridged, stringifyJson)
  if (text === undefined) return undefined
  const bytes = encoder.encode(text)
  return bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer
}

/** Whether an instance's builtins fail the evaluation on an error; a request may change it (?strict-builtin-errors). */
interface Strictness {
  strict: boolean
}

/** The message prefix of a strict builtin failure: OPA's error code, as OPA's topdown error text starts. */
export const BUILTIN_ERROR_PREFIX = 'eval_builtin_error: '

function wrap(name: string, impl: (...args: unknown[]) => unknown, state: Strictness): Builtin {
  return (...given: unknown[]) => {
    const { args, bridged } = takeBridgedArguments(given)
    let result: unknown
    try {
      result = impl(...args)
    } catch (error) {
      // OPA (topdown and its wasm SDK alike) makes a failed builtin call undefined unless errors are strict.
      if (!state.strict) return undefined
      const message = error instanceof BuiltinError ? error.message : `unexpected error: ${describe(error)}`
      throw new Error(`${BUILTIN_ERROR_PREFIX}${name}: ${message}`, { cause: error })
    }
    return encodeResult(result, bridged)
  }
}

const strictness = new WeakMap<Record<string, Builtin>, Strictness>()

/**
 * Makes the host builtins of one instance strict (a failing builtin fails the evaluation) or not, for the
 * evaluations that follow. Builtins the wasm module implements itself have no strict mode.
 */
export function setStrictBuiltinErrors(builtins: Record<string, Builtin>, strict: boolean): void {
  const state = strictness.get(builtins)
  if (state !== undefined) state.strict = strict
}

const encoder = new TextEncoder()
const scopes = new WeakMap<Record<string, Builtin>, EvaluationScope>()
let opaWasmTableReplaced = false

/** Once per process: Clearance's versions of the builtins opa-wasm implements itself (opa-wasm-table.ts). */
function replaceOpaWasmTable(host: HostContext): void {
  if (opaWasmTableReplaced) return
  opaWasmTableReplaced = true
  const shadowed = new Set(opaWasmBuiltinNames())
  const replacements: Record<string, Builtin> = {}
  for (const table of families(host)) {
    for (const [name, impl] of Object.entries(table)) {
      if (shadowed.has(name)) replacements[name] = wrap(name, impl, { strict: false })
    }
  }
  replaceOpaWasmBuiltins(replacements)
}

/** Every host builtin Clearance supplies, keyed by OPA builtin name. Called once per wasm instance. */
export function createBuiltins(options: BuiltinOptions = {}): Record<string, Builtin> {
  const scope = createEvaluationScope(options.clock ?? systemClockNs)
  const host: HostContext = {
    scope,
    runtime: options.runtime ?? {},
    print: options.print ?? (() => {}),
    randomBytes: options.randomBytes ?? defaultRandomBytes,
  }
  const state: Strictness = { strict: options.strictBuiltinErrors ?? false }
  const builtins: Record<string, Builtin> = {}
  for (const table of families(host)) {
    for (const [name, impl] of Object.entries(table)) builtins[name] = wrap(name, impl, state)
  }
  for (const [name, impl] of Object.entries(options.extra ?? {})) builtins[name] = wrap(name, impl, state)
  replaceOpaWasmTable(host)
  scopes.set(builtins, scope)
  strictness.set(builtins, state)
  return builtins
}

/**
 * Marks the start of one evaluation for the builtins of one instance: time.now_ns() reads the clock afresh and
 * the per-evaluation caches are emptied. Optional — without it the scope resets after each synchronous job
 * (evaluation-scope.ts) — but calling it right before opa_eval makes back-to-back evaluations exact.
 */
export function beginEvaluation(builtins: Record<string, Builtin>): void {
  scopes.get(builtins)?.reset()
  resetBridge()
}

/** True for a builtins record createBuiltins made (its builtins read their arguments through the bridge). */
export function isClearanceBuiltins(builtins: Record<string, Builtin>): boolean {
  return scopes.has(builtins)
}

/** The names of all host builtins Clearance supplies (the capabilities generator lists these). */
export function hostBuiltinNames(): string[] {
  return Object.keys(createBuiltins()).sort()
}
