// One compiled Rego policy (policy.wasm) living in a wasm instance: instantiation through
// @open-policy-agent/opa-wasm, and the evaluation call. Input goes in as JSON bytes and the result set comes back
// as JSON text, so falsy inputs reach the policy as given and numbers keep every digit. The module writes the
// result as its value dump, where sets stay sets, so that they reach the JSON sorted as OPA writes them.

import { createRequire } from 'node:module'
import {
  type Builtin,
  beginEvaluation,
  bridgeHostValues,
  createBuiltins,
  isClearanceBuiltins,
  setStrictBuiltinErrors,
  ValueDumpReader,
} from '@clearance/rego-builtins'
import type * as OpaWasm from '@open-policy-agent/opa-wasm'
import { ClearanceError, describeThrown, ErrorCodes } from '../errors.js'
import { FUEL_EXPORT, SAVED_GLOBAL_PREFIX, UNMETERED_FUEL } from './loop-fuel.js'
import { tableMemo } from './memo-table.js'
import { evaluationFailure } from './opa-eval-errors.js'
import { type DataExports, loadDataDocument } from './wasm-data.js'

type LoadedPolicy = OpaWasm.LoadedPolicy
// The package's ESM entry exports only loadPolicy; the synchronous loader (used to replace a trapped instance)
// lives on its CommonJS entry.
const { loadPolicy, loadPolicySync } = createRequire(import.meta.url)(
  '@open-policy-agent/opa-wasm',
) as typeof OpaWasm

interface OpaExports extends DataExports {
  opa_eval_ctx_new(): number
  opa_eval_ctx_set_input(context: number, input: number): void
  opa_eval_ctx_set_data(context: number, data: number): void
  opa_eval_ctx_set_entrypoint(context: number, entrypoint: number): void
  /** Evaluates without writing the result out; 0 when it ran to the end. */
  eval(context: number): number
  opa_eval(
    reserved: number,
    entrypoint: number,
    dataAddr: number,
    inputAddr: number,
    inputLen: number,
    heapAddr: number,
    format: number,
  ): number
}

/**
 * A bit of the entrypoint number that asks for strict builtin errors for that one evaluation (?strict-builtin-errors).
 * It rides in the entrypoint word so that it reaches an evaluation thread through the existing channel unchanged;
 * entrypoint ids are small indexes, far below it.
 */
const STRICT_BUILTIN_ERRORS = 1 << 30

/**
 * A bit of the entrypoint number that evaluates for the evaluation's errors alone: the result is not written out
 * as JSON, and the result set returned is empty. Writing out a rule whose value is a large part of the data (a
 * catalog rule) takes the instance's heap several times that size, which wasm memory keeps for good.
 */
const RESULT_DISCARDED = 1 << 29
const FLAGS = STRICT_BUILTIN_ERRORS | RESULT_DISCARDED

/** The entrypoint number that evaluates `id` with strict builtin errors. */
export function strictEntrypoint(id: number): number {
  return id | STRICT_BUILTIN_ERRORS
}

/** The entrypoint number that evaluates `id` only to see whether it fails (its result set comes back empty). */
export function discardedEntrypoint(id: number): number {
  return id | RESULT_DISCARDED
}

export interface WasmPolicy {
  /** Entrypoint names (e.g. "clearance/authz/decision") and their ids in this module. */
  readonly entrypoints: ReadonlyMap<string, number>
  /** Names of the builtins the module leaves to the host (what it can read besides input and data). */
  readonly builtins: readonly string[]
  /**
   * Evaluates one entrypoint. `input` is the UTF-8 JSON text of the input, or undefined for no input.
   * Returns the result set as JSON text: `[]` when undefined, `[{"result":…}]` otherwise.
   * Throws ClearanceError(evaluation_error) when the policy fails.
   */
  evaluate(entrypoint: number, input: Uint8Array | undefined): string
}

export interface WasmPolicyOptions {
  /** Host builtins; defaults to Clearance's full set. */
  builtins?: Record<string, Builtin>
  /** Initial memory in 64 KiB pages. */
  initialMemoryPages?: number
  /**
   * Memory one instance may grow to, in pages, beyond which an evaluation fails (evaluation_error) instead of
   * taking the process down. Default: the initial size plus 1 GiB, within wasm32's 4 GiB.
   */
  maxMemoryPages?: number
  /**
   * For a module metered by meterLoops: the loop iterations one evaluation may take. An evaluation that runs out
   * throws FuelExhausted, and the instance serves on (each evaluation starts OPA's heap over).
   */
  fuel?: number
  /**
   * Keep the module's memoization table as an array (memo-table.ts) instead of OPA's hash object: the same
   * answers, with each rule reference a load instead of a hash lookup. Default true; false evaluates the module
   * exactly as `opa build` wrote it (the benchmarks' baseline).
   */
  memoTable?: boolean
}

type ResolvedOptions = Required<Omit<WasmPolicyOptions, 'fuel'>> & { fuel: number | undefined }

/** A metered evaluation ran out of fuel: it stopped part-way, and its work is to be done again without the meter. */
export class FuelExhausted extends Error {
  constructor() {
    super('evaluation ran out of fuel')
  }
}

const PAGE_SIZE = 64 * 1024
const MAX_INITIAL_PAGES = 48 * 1024
const WASM32_MAX_PAGES = 64 * 1024
const DEFAULT_HEADROOM_PAGES = 16 * 1024
/** opa_eval's output format: 0 is JSON (sets as arrays in hash order), 1 the value dump. */
const VALUE_DUMP_FORMAT = 1

/** Smallest ABI that exposes the single-call `opa_eval` the evaluator is built on. */
const MIN_ABI_MINOR = 2

function asExactArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  // opa-wasm only recognises a real ArrayBuffer; a Buffer may be a window onto a larger shared pool.
  if (
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer
  ) {
    return bytes.buffer
  }
  // Copy into a buffer of exactly this length (Buffer#slice would only make another view of the pool).
  return new Uint8Array(bytes).buffer
}

/** OPA's allocator gave up (the instance reached its memory ceiling): opa-wasm throws the abort message as a string. */
export function isMemoryExhaustion(thrown: unknown): boolean {
  return typeof thrown === 'string' && thrown.startsWith('opa_malloc')
}

/** What an evaluation failed with cost its instance: a trap, a stack overflow, or an exhausted allocator. */
export function isInstanceFailure(cause: unknown): boolean {
  return cause instanceof WebAssembly.RuntimeError || cause instanceof RangeError || isMemoryExhaustion(cause)
}

class InstantiatedPolicy implements WasmPolicy {
  readonly entrypoints: ReadonlyMap<string, number>
  private policy: LoadedPolicy
  private exports: OpaExports
  private fuel: WebAssembly.Global | undefined
  /** The metered module's own mutable globals, and their values before the evaluation under way. */
  private saved: WebAssembly.Global[] = []
  private readonly before: unknown[] = []
  private readonly results = new ValueDumpReader()

  constructor(
    policy: LoadedPolicy,
    readonly builtins: readonly string[],
    private readonly module: WebAssembly.Module,
    /** The data document's bytes as given (on an evaluation thread, a view of memory shared with the caller). */
    private readonly data: Uint8Array,
    private readonly options: ResolvedOptions,
  ) {
    this.policy = policy
    this.exports = instanceOf(policy).exports as unknown as OpaExports
    this.fuel = fuelOf(policy, options.fuel)
    this.saved = savedGlobalsOf(policy, options.fuel)
    this.entrypoints = new Map(Object.entries(policy.entrypoints as Record<string, number>))
  }

  evaluate(flagged: number, input: Uint8Array | undefined): string {
    const entrypoint = flagged & ~FLAGS
    const policy = this.policy
    const heapBase: number = policy.dataHeapPtr
    let inputAddr = 0
    let inputLen = 0
    try {
      if (input !== undefined) {
        inputAddr = heapBase
        inputLen = input.byteLength
        const missing = inputAddr + inputLen - policy.mem.buffer.byteLength
        if (missing > 0) policy.mem.grow(Math.ceil(missing / PAGE_SIZE))
        new Uint8Array(policy.mem.buffer).set(input, inputAddr)
      }
      // time.now_ns and friends hold one value for exactly one evaluation
      beginEvaluation(this.options.builtins)
      setStrictBuiltinErrors(this.options.builtins, (flagged & STRICT_BUILTIN_ERRORS) !== 0)
      if (this.fuel !== undefined) {
        this.fuel.value = this.options.fuel
        for (let index = 0; index < this.saved.length; index++) this.before[index] = this.saved[index]!.value
      }
      const discarded = (flagged & RESULT_DISCARDED) !== 0
      if (discarded) this.evaluateDiscarded(entrypoint, inputAddr, inputLen)
      const resultAddr = discarded
        ? 0
        : this.exports.opa_eval(
            0,
            entrypoint,
            policy.dataAddr,
            inputAddr,
            inputLen,
            heapBase + inputLen,
            VALUE_DUMP_FORMAT,
          )
      // Out of fuel, even where a builtin caught the trap: the result cannot be trusted.
      if (this.fuel !== undefined) {
        if (this.fuel.value === 0) throw new FuelExhausted()
        this.fuel.value = UNMETERED_FUEL
      }
      return discarded ? '[]' : this.results.json(policy.mem.buffer, resultAddr)
    } catch (thrown) {
      // opa_eval starts OPA's heap (and its free lists) over on every call: an evaluation stopped at a loop's
      // header leaves nothing the next one reads.
      const exhausted = thrown instanceof FuelExhausted || this.fuel?.value === 0
      if (this.fuel !== undefined) this.fuel.value = UNMETERED_FUEL
      if (exhausted) {
        // Stopped at a loop's header: the stack pointer (and any other global) as before the evaluation.
        for (let index = 0; index < this.saved.length; index++) this.saved[index]!.value = this.before[index]
        throw new FuelExhausted()
      }
      // A trap can leave the instance in any state, and wasm memory never shrinks: after a trap or an exhausted
      // allocator, later decisions get a fresh instance (and the grown one goes to the garbage collector).
      if (thrown instanceof WebAssembly.RuntimeError || isMemoryExhaustion(thrown)) this.replaceInstance()
      throw evaluationFailure(describeThrown(thrown), { cause: thrown })
    }
  }

  /** The evaluation opa_eval makes, without writing its result out (the input's bytes already in place). */
  private evaluateDiscarded(entrypoint: number, inputAddr: number, inputLen: number): void {
    const exports = this.exports
    const policy = this.policy
    exports.opa_heap_ptr_set(policy.dataHeapPtr + inputLen)
    const context = exports.opa_eval_ctx_new()
    if (inputLen > 0) {
      const input = exports.opa_json_parse(inputAddr, inputLen)
      if (input === 0) throw new Error('input is not valid JSON')
      exports.opa_eval_ctx_set_input(context, input)
    }
    exports.opa_eval_ctx_set_data(context, policy.dataAddr)
    exports.opa_eval_ctx_set_entrypoint(context, entrypoint)
    const status = exports.eval(context)
    if (status !== 0) throw new Error(`evaluation ended with error code ${status}`)
  }

  private replaceInstance(): void {
    const fresh = loadPolicySync(
      this.module,
      { initial: this.options.initialMemoryPages, maximum: this.options.maxMemoryPages },
      this.options.builtins,
    )
    setData(fresh, this.data)
    bridgeBuiltins(fresh, this.options.builtins)
    this.policy = fresh
    this.exports = instanceOf(fresh).exports as unknown as OpaExports
    this.fuel = fuelOf(fresh, this.options.fuel)
    this.saved = savedGlobalsOf(fresh, this.options.fuel)
  }
}

/** Loads the data document into the policy's memory from the bytes as given (wasm-data.ts), as setData would. */
function setData(policy: LoadedPolicy, data: Uint8Array): void {
  const exports = instanceOf(policy).exports as unknown as OpaExports
  const loaded = loadDataDocument(exports, policy.mem, policy.baseHeapPtr as number, data)
  policy.dataAddr = loaded.dataAddr
  policy.dataHeapPtr = loaded.dataHeapPtr
}

/** Clearance's own builtins get their arguments with sets and every digit intact (host-value-bridge.ts). */
function bridgeBuiltins(policy: LoadedPolicy, builtins: Record<string, Builtin>): void {
  if (isClearanceBuiltins(builtins)) bridgeHostValues(instanceOf(policy), policy.mem)
}

/** The module's own list of the builtins it calls through the host (its `builtins` export: name → id). */
function hostBuiltinsOf(policy: LoadedPolicy): string[] {
  const exports = instanceOf(policy).exports as unknown as {
    builtins(): number
    opa_json_dump(addr: number): number
  }
  const address = exports.opa_json_dump(exports.builtins())
  const memory = new Uint8Array(policy.mem.buffer)
  const end = memory.indexOf(0, address)
  return Object.keys(JSON.parse(Buffer.from(memory.subarray(address, end)).toString('utf8')) as object)
}

/** The metered module's fuel global, when the policy is to be metered. */
function fuelOf(policy: LoadedPolicy, fuel: number | undefined): WebAssembly.Global | undefined {
  if (fuel === undefined) return undefined
  const global = instanceOf(policy).exports[FUEL_EXPORT]
  if (!(global instanceof WebAssembly.Global)) {
    throw new ClearanceError(
      ErrorCodes.internalError,
      'a metered evaluation needs a module metered by meterLoops',
    )
  }
  return global
}

/** The metered module's exported mutable globals (loop-fuel.ts), when the policy is to be metered. */
function savedGlobalsOf(policy: LoadedPolicy, fuel: number | undefined): WebAssembly.Global[] {
  if (fuel === undefined) return []
  return Object.entries(instanceOf(policy).exports)
    .filter(([name, value]) => name.startsWith(SAVED_GLOBAL_PREFIX) && value instanceof WebAssembly.Global)
    .map(([, value]) => value as WebAssembly.Global)
}

function instanceOf(policy: LoadedPolicy): WebAssembly.Instance {
  const holder = policy.wasmInstance as WebAssembly.Instance | WebAssembly.WebAssemblyInstantiatedSource
  return 'instance' in holder ? holder.instance : holder
}

/**
 * Memory to start with: the parsed data document takes several times its text size, and letting OPA's
 * allocator grow a small memory step by step makes loading a large catalog many times slower. Untouched
 * pages cost address space, not resident memory.
 */
export function initialPagesFor(dataBytes: number): number {
  return Math.min(MAX_INITIAL_PAGES, Math.max(5, Math.ceil((dataBytes * 8) / PAGE_SIZE)))
}

/**
 * Compiles and instantiates a policy.wasm and loads `data` (JSON bytes of the whole data document).
 * Throws ClearanceError(bundle_error) for a module that is not a usable OPA policy.
 */
export async function loadWasmPolicy(
  wasm: Uint8Array,
  data: Uint8Array,
  options: WasmPolicyOptions = {},
): Promise<WasmPolicy> {
  const initialMemoryPages = options.initialMemoryPages ?? initialPagesFor(data.byteLength)
  const resolved: ResolvedOptions = {
    fuel: options.fuel,
    memoTable: options.memoTable ?? true,
    builtins: options.builtins ?? createBuiltins(),
    initialMemoryPages,
    maxMemoryPages: Math.max(
      initialMemoryPages,
      options.maxMemoryPages ?? Math.min(WASM32_MAX_PAGES, initialMemoryPages + DEFAULT_HEADROOM_PAGES),
    ),
  }
  let module: WebAssembly.Module
  let policy: LoadedPolicy
  try {
    // A module the rewrite does not recognise evaluates as built.
    const rewritten = resolved.memoTable ? tableMemo(wasm) : undefined
    module = await WebAssembly.compile(rewritten ?? asExactArrayBuffer(wasm))
    policy = await loadPolicy(
      module,
      { initial: resolved.initialMemoryPages, maximum: resolved.maxMemoryPages },
      resolved.builtins,
    )
  } catch (thrown) {
    throw new ClearanceError(
      ErrorCodes.bundleError,
      `policy.wasm is not a usable OPA wasm module: ${describeThrown(thrown)}`,
      {
        cause: thrown,
      },
    )
  }
  if (typeof policy.minorVersion !== 'number' || policy.minorVersion < MIN_ABI_MINOR) {
    throw new ClearanceError(
      ErrorCodes.bundleError,
      `policy.wasm uses OPA wasm ABI 1.${String(policy.minorVersion)}; Clearance needs 1.${MIN_ABI_MINOR} or later (rebuild with a current opa)`,
    )
  }
  // Read before the data is loaded: setData starts the heap over, so this dump takes no lasting room.
  const builtins = hostBuiltinsOf(policy)
  try {
    // Read where they are: an evaluation thread makes no copy of the document it shares with its caller.
    setData(policy, data)
  } catch (thrown) {
    throw new ClearanceError(
      ErrorCodes.bundleError,
      `policy data could not be loaded into wasm: ${describeThrown(thrown)}`,
      {
        cause: thrown,
      },
    )
  }
  bridgeBuiltins(policy, resolved.builtins)
  return new InstantiatedPolicy(policy, builtins, module, data, resolved)
}
