// `clearance build`: compiles a folder of Rego (and data) into an OPA wasm bundle with `opa build -t wasm`.
// Entrypoints come from the policies' own `# METADATA` `entrypoint: true` annotations; tests are left out; the
// capabilities file limits the build to builtins Clearance can run, so a policy that uses anything else fails
// here rather than at decision time.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, resolve } from 'node:path'
import { promisify } from 'node:util'
import { ClearanceError, ErrorCodes } from '../errors.js'
import { resolveOpaBinary } from './opa-binary.js'
import { policyRevision } from './revision.js'

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

export interface BuildResult {
  output: string
  revision: string
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
  const args = ['--signing-key', options.signingKey]
  if (options.signingAlg !== undefined) args.push('--signing-alg', options.signingAlg)
  if (options.signingKeyId !== undefined) args.push('--verification-key-id', options.signingKeyId)
  if (options.claimsFile !== undefined) args.push('--claims-file', options.claimsFile)
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
  const args = [
    'build',
    '-t',
    'wasm',
    '-b',
    source,
    '-o',
    output,
    '--revision',
    revision,
    '--ignore',
    '*_test.rego',
  ]
  if (capabilities !== undefined) args.push('--capabilities', capabilities)
  args.push(...signingArgs(options))
  args.push(...(options.extraArgs ?? []))
  await mkdir(dirname(output), { recursive: true })
  try {
    await run(opa, args, { maxBuffer: 64 * 1024 * 1024 })
  } catch (thrown) {
    const { stderr, stdout } = thrown as { stderr?: string; stdout?: string }
    const detail = `${stderr ?? ''}${stdout ?? ''}`.trim()
    throw new ClearanceError(ErrorCodes.buildError, `opa build failed for "${options.source}":\n${detail}`, {
      cause: thrown,
    })
  }
  return { output, revision }
}
