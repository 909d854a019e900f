// The rule index of a policy folder: every package, every rule (as the data path a query names) and every function,
// read from OPA's own parser (`opa parse --format json`), so no Rego grammar lives here. `clearance build` compiles
// an entrypoint for each rule and package from it and records it in the manifest's metadata, where the server reads
// which data paths are Rego (and so must be answered by an entrypoint) and which are plain data.
import { execFile } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { promisify } from 'node:util'
import { ClearanceError, ErrorCodes } from '../errors.js'

const run = promisify(execFile)

export interface RuleIndex {
  /** Package paths, "a/b". */
  packages: string[]
  /** Rule paths ("a/b/allow"): the ground prefix of each rule's head reference, functions left out. */
  rules: string[]
  /** Function paths ("a/b/f"): not documents, a query cannot name them. */
  functions: string[]
}

interface AstTerm {
  type: string
  value: unknown
}

interface AstRule {
  head: { ref?: AstTerm[]; name?: string; args?: unknown[] }
}

interface AstModule {
  package: { path: AstTerm[] }
  rules?: AstRule[]
}

const SKIPPED_DIRS = new Set(['.git', 'node_modules'])

/** Every `.rego` file under `dir` except tests (`*_test.rego`, which the build leaves out too), sorted. */
export async function regoFiles(dir: string): Promise<string[]> {
  const found: string[] = []
  const walk = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const full = join(current, entry.name)
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) await walk(full)
      } else if (entry.name.endsWith('.rego') && !entry.name.endsWith('_test.rego')) {
        found.push(full)
      }
    }
  }
  await walk(dir)
  return found.sort()
}

/** "data.a.b" as AST terms → "a/b": the `data` var, then string terms. */
function packagePath(terms: readonly AstTerm[]): string {
  return terms
    .slice(1)
    .map((term) => String(term.value))
    .join('/')
}

/** The ground part of a rule's head reference: its name, then string terms up to the first variable. */
function ruleSegments(rule: AstRule): string[] {
  const ref = rule.head.ref
  if (ref === undefined || ref.length === 0) return rule.head.name === undefined ? [] : [rule.head.name]
  const segments = [String(ref[0]!.value)]
  for (const term of ref.slice(1)) {
    if (term.type !== 'string') break
    segments.push(String(term.value))
  }
  return segments
}

/** Adds one parsed module to the index. */
export function indexModule(index: RuleIndex, module: AstModule): void {
  const pkg = packagePath(module.package.path)
  index.packages.push(pkg)
  for (const rule of module.rules ?? []) {
    const segments = ruleSegments(rule)
    if (segments.length === 0) continue
    const path = pkg === '' ? segments.join('/') : `${pkg}/${segments.join('/')}`
    const isFunction = Array.isArray(rule.head.args) && rule.head.args.length > 0
    ;(isFunction ? index.functions : index.rules).push(path)
  }
}

function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort()
}

/** Parses every non-test Rego file of `dir` with `opa parse` and indexes its packages, rules and functions. */
export async function indexRules(
  opa: string,
  dir: string,
  options: { v0Compatible?: boolean } = {},
): Promise<RuleIndex> {
  const files = await regoFiles(dir)
  const index: RuleIndex = { packages: [], rules: [], functions: [] }
  const parsed = await Promise.all(
    files.map(async (file) => {
      const args = ['parse', '--format', 'json', '--json-include', '-comments']
      if (options.v0Compatible === true) args.push('--v0-compatible')
      try {
        const { stdout } = await run(opa, [...args, file], { maxBuffer: 256 * 1024 * 1024 })
        return JSON.parse(stdout) as AstModule
      } catch (thrown) {
        const { stderr, stdout } = thrown as { stderr?: string; stdout?: string }
        const name = relative(dir, file).split(sep).join('/')
        throw new ClearanceError(
          ErrorCodes.buildError,
          `cannot parse ${name}:\n${`${stderr ?? ''}${stdout ?? ''}`.trim()}`,
          { cause: thrown },
        )
      }
    }),
  )
  for (const module of parsed) indexModule(index, module)
  return {
    packages: sortedUnique(index.packages),
    rules: sortedUnique(index.rules),
    functions: sortedUnique(index.functions),
  }
}

/**
 * The entrypoints that make every rule and package answerable: one per rule (so a query evaluates only that
 * rule and what it depends on) and one per package (a package query runs one plan, as OPA evaluates it; OPA leaves
 * functions out of a package's value, and so does the wasm plan).
 */
export function allEntrypoints(index: RuleIndex): string[] {
  return sortedUnique([...index.rules, ...index.packages.filter((pkg) => pkg !== '')])
}
