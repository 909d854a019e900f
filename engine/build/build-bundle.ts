// `clearance build`: compiles a folder of Rego (and data) into an OPA wasm bundle with `opa build -t wasm`.
// By default every rule and package becomes an entrypoint (rule-index.ts), so plain Rego without annotations
// builds and every document OPA would answer is answerable; `entrypoints: 'annotated'` keeps only the policies'
// own `# METADATA` `entrypoint: true` rules. Tests are left out; the capabilities file limits the build to
// builtins Clearance can run, so a policy that uses anything else fails here rather than at decision time.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, resolve } from 'node:path'
import { promisify } from 'node:util'
import { ClearanceError, describeThrown, ErrorCodes } from '../errors.js'
import { resolveOpaBinary } from './opa-binary.js'
import { policyRevision } from './revision.js'
import { allEntrypoints, indexRules } from './rule-index.js'
import { placeWasmBeside, wasmBuildTarget } from './source-modules.js'
import { readSourceManifest, stageSource } from './staged-source.js'

const run = promisify(execFile)

export interface BuildOptions {
  /** Folder of Rego and data files. */
  source: string
  /** The .tar.gz to write. */
  output: string
  /** Defaults to the git revision of `source`. */
  revision?: string | undefined
  /** OPA capabilities file; defaults to Clearance's own when present. */
  capabilities?: string | undefined
  /**
   * What becomes a wasm entrypoint: `all` (default) every rule and package; `annotated` only the rules annotated
   * `entrypoint: true`; or an explicit list of data paths ("a/b/allow").
   */
  entrypoints?: EntrypointSelection | undefined
  /** Extra arguments for `opa build` (e.g. signing flags). */
  extraArgs?: readonly string[]
  /** Signs the bundle: a PEM private key file (RS/PS/ES) or the HMAC secret (`opa build --signing-key`). */
  signingKey?: string | undefined
  /** Signing algorithm (`--signing-alg`, OPA's default RS256). */
  signingAlg?: string | undefined
  /** Key id written as the JWT's `kid` (`--verification-key-id`, OPA's default "default"). */
  signingKeyId?: string | undefined
  /** JSON file of extra claims for the signature's payload, e.g. `scope` (`--claims-file`). */
  claimsFile?: string | undefined
}

export type EntrypointSelection = 'all' | 'annotated' | readonly string[]

export interface BuildResult {
  output: string
  revision: string
  /** The entrypoints passed to opa (`annotated`: none, opa reads the annotations). */
  entrypoints: readonly string[]
}

const NO_ENTRYPOINT = /requires at least one entrypoint/

function buildFailure(source: string, selection: EntrypointSelection, detail: string, cause: unknown) {
  const hint =
    NO_ENTRYPOINT.test(detail) && selection === 'annotated'
      ? '\nno rule is annotated `# METADATA` `entrypoint: true`: annotate the rules clients query, or build with ' +
        '--entrypoints all (the default) to make every rule and package an entrypoint'
      : ''
  return new ClearanceError(ErrorCodes.buildError, `opa build failed for "${source}":\n${detail}${hint}`, {
    cause,
  })
}

const require = createRequire(import.meta.url)

/** The capabilities of the builtins Clearance runs: @clearance/rego-builtins ships them as capabilities.json. */
export function defaultCapabilitiesFile(): string | undefined {
  try {
    return require.resolve('@clearance/rego-builtins/capabilities.json')
  } catch {
    return undefined
  }
}

function signingArgs(options: BuildOptions): string[] {
  if (options.signingKey === undefined) {
    if (
      options.signingAlg !== undefined ||
      options.signingKeyId !== undefined ||
      options.claimsFile !== undefined
    ) {
      throw new ClearanceError(
        ErrorCodes.buildError,
        '--signing-alg, --signing-key-id and --claims-file need --signing-key',
      )
    }
    return []
  }
  // opa runs inside the staged copy: file arguments are resolved against the caller's folder first.
  const key = existsSync(options.signingKey) ? resolve(options.signingKey) : options.signingKey
  const args = ['--signing-key', key]
  if (options.signingAlg !== undefined) args.push('--signing-alg', options.signingAlg)
  if (options.signingKeyId !== undefined) args.push('--verification-key-id', options.signingKeyId)
  if (options.claimsFile !== undefined) args.push('--claims-file', resolve(options.claimsFile))
  return args
}

export async function buildBundle(options: BuildOptions): Promise<BuildResult> {
  const source = resolve(options.source)
  const output = resolve(options.output)
  if (!existsSync(source))
    throw new ClearanceError(ErrorCodes.buildError, `policy folder "${options.source}" does not exist`)
  const opa = await resolveOpaBinary()
  const revision = options.revision ?? (await policyRevision(source))
  const capabilities = options.capabilities ?? defaultCapabilitiesFile()
  const selection = options.entrypoints ?? 'all'
  const manifest = await readSourceManifest(source)
  const v0Compatible = manifest?.rego_version === 0 || (options.extraArgs ?? []).includes('--v0-compatible')
  const index = await indexRules(opa, source, { v0Compatible })
  const entrypoints = selection === 'annotated' ? [] : selection === 'all' ? allEntrypoints(index) : selection
  const staged = await stageSource(source, manifest, index)
  const common = ['--revision', revision, '--ignore', '*_test.rego']
  // With every rule an entrypoint, opa must not also gather each entrypoint's dependents: that makes the functions
  // reading a rule entrypoints too, which wasm cannot have ("function … used as reference, not called"). Pruning
  // keeps the rules outside the entrypoint set out of the plans, and here there are none.
  if (selection === 'all') common.push('--prune-unused')
  const checks = capabilities === undefined ? [] : ['--capabilities', resolve(capabilities)]
  const signing = signingArgs(options)
  // The bundle build compiles the sources again (rego target): it needs how they parse, not the wasm flags.
  const sourceArgs = ['--revision', revision, '--ignore', '*_test.rego', ...checks, ...signing]
  if (v0Compatible) sourceArgs.push('--v0-compatible')
  common.push(...checks, ...(options.extraArgs ?? []))
  /** Runs opa inside the staged copy; resolves to its error text, or undefined on success. */
  const tryOpa = async (args: readonly string[]): Promise<string | undefined> => {
    try {
      await run(opa, args, { maxBuffer: 64 * 1024 * 1024, cwd: staged.dir })
      return undefined
    } catch (thrown) {
      const { stderr, stdout } = thrown as { stderr?: string; stdout?: string }
      return `${stderr ?? ''}${stdout ?? ''}`.trim() || describeThrown(thrown)
    }
  }
  await mkdir(dirname(output), { recursive: true })
  const wasm = await wasmBuildTarget()
  try {
    const wasmArgs = ['build', '-t', 'wasm', '-b', '.', '-o', wasm.output, ...common]
    const error = await tryOpa([...wasmArgs, ...entrypoints.flatMap((e) => ['-e', e])])
    if (error !== undefined) throw buildFailure(options.source, selection, error, undefined)
    // the user's sources as the bundle's modules (source-modules.ts)
    await placeWasmBeside(wasm.output, staged.dir)
    const bundleError = await tryOpa(['build', '-b', '.', '-o', output, ...sourceArgs])
    if (bundleError !== undefined) throw buildFailure(options.source, selection, bundleError, undefined)
  } catch (thrown) {
    if (thrown instanceof ClearanceError) throw thrown
    throw buildFailure(options.source, selection, describeThrown(thrown), thrown)
  } finally {
    await Promise.all([staged.remove(), wasm.remove()])
  }
  return { output, revision, entrypoints }
}
