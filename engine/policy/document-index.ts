// Which data paths are Rego, and whether the compiled entrypoints can answer them. A bundle built by
// `clearance build` records every rule, function and package in its manifest (metadata.clearance.rule_index);
// a bundle built elsewhere has only its Rego sources, from which the packages are read. The policy set asks this
// index before it falls back to plain data, so a rule that was not compiled is an error that says so, never a
// silent undefined.
import { ClearanceError, ErrorCodes } from '../errors.js'
import { isRecord } from '../json/index.js'

export interface RegoIndex {
  /** Bundle the paths come from, for messages. */
  bundle: string
  rules: ReadonlySet<string>
  functions: ReadonlySet<string>
  packages: ReadonlySet<string>
  /** False when only packages are known (a bundle not built by clearance build). */
  complete: boolean
}

const PACKAGE_LINE = /^\s*package\s+([A-Za-z_][\w.]*)/m

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
}

/** The index of one bundle: from its manifest metadata, or else the package lines of its Rego sources. */
export function regoIndexOf(
  bundle: string,
  metadata: Record<string, unknown>,
  sources: readonly { path: string; text: string }[],
): RegoIndex | undefined {
  const recorded = isRecord(metadata.clearance) ? metadata.clearance.rule_index : undefined
  if (isRecord(recorded)) {
    return {
      bundle,
      rules: new Set(strings(recorded.rules)),
      functions: new Set(strings(recorded.functions)),
      packages: new Set(strings(recorded.packages)),
      complete: true,
    }
  }
  const packages = new Set<string>()
  for (const source of sources) {
    const match = PACKAGE_LINE.exec(source.text)
    if (match !== null) packages.add(match[1]!.split('.').join('/'))
  }
  if (packages.size === 0) return undefined
  return { bundle, rules: new Set(), functions: new Set(), packages, complete: false }
}

const dotted = (path: string): string => (path === '' ? 'data' : `data.${path.split('/').join('.')}`)

/** The path itself or its nearest parent in `set`. */
function atOrAbove(set: { has(path: string): boolean }, segments: readonly string[]): string | undefined {
  for (let length = segments.length; length > 0; length--) {
    const candidate = segments.slice(0, length).join('/')
    if (set.has(candidate)) return candidate
  }
  return undefined
}

const isBelow = (path: string, prefix: string): boolean => prefix === '' || path.startsWith(`${prefix}/`)

/**
 * What answers a data path that is no entrypoint itself: `descend` into the value of the entrypoint `from` (the
 * deepest one above the path); `merge` the data at the path with the outermost entrypoints below it; or `data`, a
 * plain lookup in the bundles' data.
 */
export type PathPlan = { kind: 'descend'; from: string } | { kind: 'merge' } | { kind: 'data' }

/**
 * Plans the answer for `segments`, given which paths are entrypoints. Throws a coded error when the path is Rego
 * the wasm cannot answer: a function (internal_error, as OPA), or a rule the build did not compile (not_compiled).
 * With a complete index only a rule's own entrypoint (or one above it) is evaluated, so a path that is no rule
 * never runs a package's whole plan.
 */
export function planPath(
  indexes: readonly RegoIndex[],
  segments: readonly string[],
  isTarget: (path: string) => boolean,
  inData: () => boolean,
): PathPlan {
  const path = segments.join('/')
  let above: string | undefined
  for (let length = segments.length - 1; length > 0 && above === undefined; length--) {
    const candidate = segments.slice(0, length).join('/')
    if (isTarget(candidate)) above = candidate
  }
  const targets = { has: isTarget }
  const covered = (name: string): boolean => atOrAbove(targets, name.split('/')) !== undefined
  for (const index of indexes) {
    if (!index.complete) continue
    const fn = atOrAbove(index.functions, segments)
    if (fn !== undefined) {
      throw new ClearanceError(
        ErrorCodes.internalError,
        `function ${dotted(fn)} used as reference, not called: the Data API answers documents, not functions`,
      )
    }
    const rule = atOrAbove(index.rules, segments)
    if (rule !== undefined) {
      if (above !== undefined && (above === rule || isBelow(rule, above)))
        return { kind: 'descend', from: above }
      throw notCompiled(index, path, rule)
    }
    const below = [...index.rules].filter((name) => isBelow(name, path))
    // Inside a package, a path that is no rule and holds none is data: no plan has to run for it.
    if (below.length === 0 && atOrAbove(index.packages, segments) !== undefined) return { kind: 'data' }
    if (below.length === 0) continue
    if (above !== undefined) return { kind: 'descend', from: above }
    const missing = below.find((name) => !covered(name))
    if (missing !== undefined) throw notCompiled(index, path, missing)
    return { kind: 'merge' }
  }
  if (above !== undefined) return { kind: 'descend', from: above }
  for (const index of indexes) {
    if (index.complete) continue
    if (atOrAbove(index.packages, segments) !== undefined && !inData()) throw notCompiled(index, path, path)
  }
  return { kind: 'merge' }
}

function notCompiled(index: RegoIndex, path: string, missing: string): ClearanceError {
  const what = missing === path ? `${dotted(path)} is` : `${dotted(path)} holds ${dotted(missing)}, which is`
  const how = index.complete
    ? 'Rebuild with `clearance build` (every rule is an entrypoint by default) or annotate it `entrypoint: true`.'
    : 'The bundle does not list its rules (it was not built by `clearance build`); rebuild it with `clearance build`, or name the rule with `opa build -e`.'
  return new ClearanceError(
    ErrorCodes.notCompiled,
    `${what} Rego that bundle "${index.bundle}" did not compile into its wasm, so a wasm PDP cannot evaluate it. ${how}`,
  )
}

/** The names that lie inside no other name of the list ("a/b" drops "a/b/c"). */
export function outermost(names: readonly string[]): string[] {
  const set = new Set(names)
  return names.filter((name) => {
    const segments = name.split('/')
    for (let length = segments.length - 1; length > 0; length--) {
      if (set.has(segments.slice(0, length).join('/'))) return false
    }
    return true
  })
}
