// A set of activated bundles evaluated together: the merged data document, one wasm instance per module, and the
// path resolution of OPA's Data API (an entrypoint, a path inside an entrypoint's value, bundle data, or a
// document that holds several of those). Knows nothing of HTTP.

import { isClearanceBuiltins } from '@clearance/rego-builtins'
import type { Bundle, DataDocument } from '../bundle/index.js'
import { assertDisjointRoots } from '../bundle/index.js'
import { ClearanceError, ErrorCodes } from '../errors.js'
import { encodeJson, isRecord, parseJson, stringifyJson } from '../json/index.js'
import { isDeterministic } from './decision-cache.js'
import { outermost, planPath, type RegoIndex, regoIndexOf } from './document-index.js'
import { type ClosablePolicy, loadGuardedWasmPolicy, shareBytes } from './guarded-policy.js'
import {
  discardedEntrypoint,
  loadWasmPolicy,
  strictEntrypoint,
  type WasmPolicy,
  type WasmPolicyOptions,
} from './wasm-policy.js'

export interface PolicySetOptions extends WasmPolicyOptions {
  /**
   * Longest time one evaluation may take, in ms. When set, each module runs on its own worker thread that is
   * stopped and replaced when an evaluation overruns (the decision is denied with evaluation_error). Unset: the
   * module runs on the calling thread with no time limit.
   */
  evaluationTimeoutMs?: number | undefined
  /** Evaluation threads per module under the time limit (default DEFAULTS.evalThreads). */
  evaluationThreads?: number | 'auto' | undefined
}

/** What a path evaluates to: undefined, or the JSON text of its value. */
export type EvalOutcome = { defined: false } | { defined: true; json: string }

/** How one evaluation runs. */
export interface EvalOptions {
  /** A failing host builtin fails the evaluation (eval_builtin_error) instead of being undefined. */
  strictBuiltinErrors?: boolean | undefined
  /** The client's address: evaluation threads are shared fairly per client (guarded-policy.ts). */
  caller?: string | undefined
  /**
   * Evaluates for the evaluation's errors alone: the result is not written out and the outcome is undefined (the
   * activation's smoke check: a rule whose value is the whole catalog would otherwise grow the instance's memory
   * by several times the catalog's size, for good).
   */
  discardResult?: boolean | undefined
}

/**
 * A deep copy of a JSON document's objects and arrays that keeps the codec's exact numbers (OutOfRangeNumber) as
 * they are; structuredClone would turn them into plain objects.
 */
function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneJson) as T
  if (!isRecord(value) || Object.getPrototypeOf(value) !== Object.prototype) return value
  const copy: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    Object.defineProperty(copy, key, {
      value: cloneJson(item),
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return copy as T
}

function entrypointOf(id: number, options: EvalOptions | undefined): number {
  if (options === undefined) return id
  const strict = options.strictBuiltinErrors === true ? strictEntrypoint(id) : id
  return options.discardResult === true ? discardedEntrypoint(strict) : strict
}

export interface BundleSummary {
  name: string
  revision: string
  roots: readonly string[]
  entrypoints: readonly string[]
}

export interface PolicySet {
  readonly bundles: readonly BundleSummary[]
  /** Bundle name → revision of every bundle in the set: the provenance of each decision it makes. */
  readonly revisions: Readonly<Record<string, string>>
  readonly entrypoints: readonly string[]
  /** The Rego sources of each bundle, by bundle name (GET /v1/policies). */
  readonly policies: ReadonlyMap<string, readonly { path: string; text: string }[]>
  /** Size in bytes of the data document's JSON. */
  readonly dataSize: number
  /**
   * Whether every module answers from input and data alone (no clock, randomness, network or runtime builtin),
   * so that an answer may be reused for the same input (decision-cache.ts).
   */
  readonly deterministic: boolean
  /**
   * Evaluates `data.<path>` ("a/b/c"): an entrypoint, a path inside an entrypoint's value, bundle data, or a
   * document assembled from several of those (OPA's Data API). Never blocks the calling thread while a
   * time-limited policy evaluates on its own threads, whatever the path. Rejects with
   * ClearanceError(evaluation_error).
   */
  evaluate(path: string, input: Uint8Array | undefined, options?: EvalOptions): Promise<EvalOutcome>
  /**
   * Evaluates one compiled entrypoint (a name in `entrypoints`) and returns at once, blocking the calling thread
   * while a time-limited policy evaluates: for the synchronous pipelines that cannot wait for a promise (the
   * decision log's mask and drop policies). Throws ClearanceError(evaluation_error), also for a name that is not
   * an entrypoint.
   */
  evaluateEntrypoint(name: string, input: Uint8Array | undefined): EvalOutcome
  /** Releases the set's evaluation threads, if any; evaluations afterwards are denied. */
  close(): void
  /**
   * The merged data document. The set keeps it only as the bytes its wasm instances were loaded from and parses
   * them when asked (a large catalog is not held twice); the parse is reused while anything holds it.
   */
  dataDocument(): DataDocument
}

interface Target {
  policy: WasmPolicy
  id: number
  /** The same policy when it runs on its own thread and can answer without blocking. */
  threaded: ClosablePolicy | undefined
}

const UNDEFINED: EvalOutcome = { defined: false }
const RESULT_PREFIX = '[{"result":'
const RESULT_SUFFIX = '}]'

/** Pulls the value out of a wasm result set without parsing it: `[{"result":X}]` → X. */
export function unwrapResultSet(resultSet: string): EvalOutcome {
  if (resultSet === '[]') return UNDEFINED
  if (resultSet.startsWith(RESULT_PREFIX) && resultSet.endsWith(RESULT_SUFFIX)) {
    return { defined: true, json: resultSet.slice(RESULT_PREFIX.length, -RESULT_SUFFIX.length) }
  }
  // Any other shape (several results) is read the slow way.
  const parsed = parseJson(resultSet) as Array<{ result: unknown }>
  if (parsed.length === 0) return UNDEFINED
  if (parsed.length > 1) {
    throw new ClearanceError(
      ErrorCodes.evaluationError,
      'policy produced more than one result for a single document',
    )
  }
  return { defined: true, json: stringifyJson(parsed[0]!.result) }
}

/** One entrypoint, on its own thread when the policy has one (the serving thread never blocks on it). */
async function evaluateTarget(
  target: Target,
  input: Uint8Array | undefined,
  options: EvalOptions | undefined,
): Promise<EvalOutcome> {
  const id = entrypointOf(target.id, options)
  if (target.threaded === undefined) return unwrapResultSet(target.policy.evaluate(id, input))
  return unwrapResultSet(await target.threaded.evaluateAsync(id, input, options?.caller))
}

/** Walks `segments` into a JSON value as OPA refs do: object keys, and array indexes given as integers. */
export function descend(value: unknown, segments: readonly string[]): { found: boolean; value: unknown } {
  let node = value
  for (const segment of segments) {
    if (Array.isArray(node)) {
      if (!/^(0|[1-9]\d*)$/.test(segment)) return { found: false, value: undefined }
      const index = Number(segment)
      if (index >= node.length) return { found: false, value: undefined }
      node = node[index]
    } else if (isRecord(node) && Object.hasOwn(node, segment)) {
      node = node[segment]
    } else {
      return { found: false, value: undefined }
    }
  }
  return { found: true, value: node }
}

/**
 * The data document of several bundles. Roots are disjoint, so bundles never write the same key; only parents
 * that two bundles share are copied, everything else is the bundles' own (never mutated) values, so a large
 * catalog is held once, not once per policy set.
 */
export function mergeData(bundles: readonly Bundle[]): DataDocument {
  const merge = (target: DataDocument, source: DataDocument): DataDocument => {
    const result: DataDocument = { ...target }
    for (const [key, value] of Object.entries(source)) {
      const existing = result[key]
      result[key] = isRecord(existing) && isRecord(value) ? merge(existing, value) : value
    }
    return result
  }
  if (bundles.length === 1) return bundles[0]!.data
  return bundles.reduce<DataDocument>((merged, bundle) => merge(merged, bundle.data), {})
}

const normalized = new Map<string, string>()
const MAX_NORMALIZED = 1024

/** Normalises an API path ("/a/b/", "a//b") to "a/b". The paths a service asks for repeat; they are remembered. */
export function normalizePath(path: string): string {
  const known = normalized.get(path)
  if (known !== undefined) return known
  const result = path
    .split('/')
    .filter((segment) => segment !== '')
    .join('/')
  if (normalized.size < MAX_NORMALIZED) normalized.set(path, result)
  return result
}

class LoadedPolicySet implements PolicySet {
  readonly entrypoints: readonly string[]

  constructor(
    readonly bundles: readonly BundleSummary[],
    readonly revisions: Readonly<Record<string, string>>,
    private readonly targets: ReadonlyMap<string, Target>,
    private readonly dataBytes: Uint8Array,
    private readonly threads: readonly ClosablePolicy[],
    private readonly regoIndexes: readonly RegoIndex[],
    readonly policies: ReadonlyMap<string, readonly { path: string; text: string }[]>,
    readonly deterministic: boolean,
  ) {
    this.entrypoints = [...targets.keys()].sort()
    this.dataSize = dataBytes.byteLength
  }

  readonly dataSize: number
  private parsed: WeakRef<DataDocument> | undefined

  dataDocument(): DataDocument {
    const cached = this.parsed?.deref()
    if (cached !== undefined) return cached
    // Buffer.from copies, also out of memory shared with evaluation threads (which TextDecoder refuses).
    const document = parseJson(Buffer.from(this.dataBytes).toString('utf8')) as DataDocument
    this.parsed = new WeakRef(document)
    return document
  }

  close(): void {
    for (const thread of this.threads) thread.close()
  }

  async evaluate(path: string, input: Uint8Array | undefined, options?: EvalOptions): Promise<EvalOutcome> {
    const exact = this.targets.get(path)
    // The common case inline: an entrypoint, answered without a further promise.
    if (exact?.threaded !== undefined) {
      const id = entrypointOf(exact.id, options)
      return unwrapResultSet(await exact.threaded.evaluateAsync(id, input, options?.caller))
    }
    if (exact !== undefined)
      return unwrapResultSet(exact.policy.evaluate(entrypointOf(exact.id, options), input))
    return this.evaluateSlow(path === '' ? [] : path.split('/'), input, options)
  }

  evaluateEntrypoint(name: string, input: Uint8Array | undefined): EvalOutcome {
    const target = this.targets.get(name)
    if (target === undefined) {
      throw new ClearanceError(
        ErrorCodes.evaluationError,
        `"${name}" is not an entrypoint of the active bundles`,
      )
    }
    return unwrapResultSet(target.policy.evaluate(target.id, input))
  }

  private async evaluateSlow(
    segments: readonly string[],
    input: Uint8Array | undefined,
    options: EvalOptions | undefined,
  ): Promise<EvalOutcome> {
    let base: { found: boolean; value: unknown } | undefined
    const data = (): { found: boolean; value: unknown } => {
      base ??= descend(this.dataDocument(), segments)
      return base
    }
    // Which entrypoint answers, or an error naming why none can (document-index.ts).
    const plan = planPath(
      this.regoIndexes,
      segments,
      (name) => this.targets.has(name),
      () => data().found,
    )
    // 1. A path inside an entrypoint's value: evaluate the entrypoint, then descend.
    if (plan.kind === 'descend') {
      const outcome = await evaluateTarget(this.targets.get(plan.from)!, input, options)
      if (!outcome.defined) return UNDEFINED
      const inner = descend(parseJson(outcome.json), segments.slice(plan.from.split('/').length))
      return inner.found ? { defined: true, json: stringifyJson(inner.value) } : UNDEFINED
    }
    // 2. Bundle data, with the values of the outermost entrypoints below the path laid over it (a package's
    //    entrypoint already holds its rules').
    const found = data()
    const prefix = segments.join('/')
    const below =
      plan.kind === 'data'
        ? []
        : outermost(this.entrypoints.filter((name) => prefix === '' || name.startsWith(`${prefix}/`)))
    if (below.length === 0)
      return found.found ? { defined: true, json: stringifyJson(found.value) } : UNDEFINED
    if (found.found && !isRecord(found.value)) return { defined: true, json: stringifyJson(found.value) }
    const document: Record<string, unknown> = found.found
      ? cloneJson(found.value as Record<string, unknown>)
      : {}
    let defined = found.found
    for (const name of below) {
      const outcome = await this.evaluate(name, input, options)
      if (!outcome.defined) continue
      const relative = (prefix === '' ? name : name.slice(prefix.length + 1)).split('/')
      let node = document
      for (const segment of relative.slice(0, -1)) {
        const next = node[segment]
        if (isRecord(next)) node = next
        else {
          const created: Record<string, unknown> = {}
          node[segment] = created
          node = created
        }
      }
      node[relative[relative.length - 1]!] = parseJson(outcome.json)
      defined = true
    }
    return defined ? { defined: true, json: stringifyJson(document) } : UNDEFINED
  }
}

/**
 * Builds a policy set from loaded bundles: checks their roots are disjoint, instantiates every wasm module with
 * the merged data, and maps each entrypoint to its module. Throws ClearanceError(bundle_error).
 */
export async function createPolicySet(
  bundles: readonly Bundle[],
  options: PolicySetOptions = {},
): Promise<PolicySet> {
  assertDisjointRoots(bundles.map((bundle) => ({ name: bundle.name, roots: bundle.manifest.roots })))
  const { evaluationTimeoutMs, evaluationThreads, ...wasmOptions } = options
  // Guarded instances read the data from memory shared with their threads; one copy serves all.
  // A bundle whose data was encoded off the serving thread alone: its bytes as they are, nothing parsed here.
  const alone = bundles.length === 1 ? bundles[0]!.dataJson : undefined
  const encoded = alone ?? encodeJson(mergeData(bundles))
  const dataBytes = evaluationTimeoutMs === undefined ? encoded : shareBytes(encoded)
  const threads: ClosablePolicy[] = []
  const load = async (wasm: Uint8Array): Promise<WasmPolicy> => {
    if (evaluationTimeoutMs === undefined) return loadWasmPolicy(wasm, dataBytes, wasmOptions)
    const guarded = await loadGuardedWasmPolicy(wasm, dataBytes, {
      ...wasmOptions,
      timeoutMs: evaluationTimeoutMs,
      ...(evaluationThreads === undefined ? {} : { threads: evaluationThreads }),
    })
    threads.push(guarded)
    return guarded
  }
  const custom = wasmOptions.builtins !== undefined && !isClearanceBuiltins(wasmOptions.builtins)
  try {
    return await assemble(bundles, dataBytes, load, threads, custom)
  } catch (thrown) {
    for (const thread of threads) thread.close()
    throw thrown
  }
}

async function assemble(
  bundles: readonly Bundle[],
  dataBytes: Uint8Array,
  load: (wasm: Uint8Array) => Promise<WasmPolicy>,
  threads: readonly ClosablePolicy[],
  customBuiltins: boolean,
): Promise<PolicySet> {
  let deterministic = true
  const targets = new Map<string, Target>()
  const summaries: BundleSummary[] = []
  const revisions: Record<string, string> = {}
  const regoIndexes: RegoIndex[] = []
  const policies = new Map<string, readonly { path: string; text: string }[]>()
  for (const bundle of bundles) {
    const index = regoIndexOf(bundle.name, bundle.manifest.metadata, bundle.policies)
    if (index !== undefined) regoIndexes.push(index)
    policies.set(bundle.name, bundle.policies)
    const entrypoints: string[] = []
    for (const module of bundle.modules) {
      const policy = await load(module.bytes)
      deterministic &&= isDeterministic(policy.builtins, customBuiltins)
      const wanted = module.entrypoints === 'all' ? [...policy.entrypoints.keys()] : module.entrypoints
      for (const name of wanted) {
        const id = policy.entrypoints.get(name)
        if (id === undefined) {
          throw new ClearanceError(
            ErrorCodes.bundleError,
            `bundle "${bundle.name}": manifest entrypoint "${name}" is not compiled into ${module.path}`,
          )
        }
        if (targets.has(name)) {
          throw new ClearanceError(
            ErrorCodes.bundleError,
            `bundle "${bundle.name}": entrypoint "${name}" is defined twice`,
          )
        }
        targets.set(name, { policy, id, threaded: threads.find((thread) => thread === policy) })
        entrypoints.push(name)
      }
    }
    summaries.push({
      name: bundle.name,
      revision: bundle.manifest.revision,
      roots: bundle.manifest.roots,
      entrypoints,
    })
    revisions[bundle.name] = bundle.manifest.revision
  }
  return new LoadedPolicySet(
    summaries,
    revisions,
    targets,
    dataBytes,
    threads,
    regoIndexes,
    policies,
    deterministic,
  )
}
