// `clearance build`: compiles a policy folder into an OPA wasm bundle with the pinned opa.
import type { Command } from 'commander'
import { buildBundle, type EntrypointSelection } from '../build/index.js'
import { DEFAULTS } from '../config/index.js'
import { ClearanceError, ErrorCodes } from '../errors.js'
import { collect } from './command-helpers.js'

interface BuildCommandOptions {
  output: string
  revision?: string
  capabilities?: string
  signingKey?: string
  signingAlg?: string
  signingKeyId?: string
  claimsFile?: string
  entrypoints: string
  entrypoint?: string[]
}

/** `--entrypoints all|annotated`, or the paths given with `-e` (which win). */
function entrypointSelection(options: BuildCommandOptions): EntrypointSelection {
  if (options.entrypoint !== undefined)
    return options.entrypoint.map((path) => path.replace(/^\/+|\/+$/g, ''))
  if (options.entrypoints === 'all' || options.entrypoints === 'annotated') return options.entrypoints
  throw new ClearanceError(
    ErrorCodes.configError,
    `--entrypoints must be "all" or "annotated", not "${options.entrypoints}"`,
  )
}

export function addBuildCommand(program: Command): void {
  program
    .command('build')
    .description('compile a folder of Rego into an OPA wasm bundle (.tar.gz) with opa build -t wasm')
    .argument('[dir]', 'policy folder', DEFAULTS.buildSource)
    .option('-o, --output <file>', 'bundle to write', DEFAULTS.buildOutput)
    .option(
      '--revision <rev>',
      'revision for the manifest (default: git commit of the folder, -dirty when changed)',
    )
    .option('--capabilities <file>', 'OPA capabilities file (default: the builtins Clearance can run)')
    .option('--signing-key <file|secret>', 'sign the bundle with this private key (PEM) or HMAC secret')
    .option('--signing-alg <alg>', 'signature algorithm: RS256 (default), PS256, ES256, HS256, …')
    .option('--signing-key-id <id>', 'key id written into the signature (verifiers pin it)')
    .option('--claims-file <file>', 'extra JWT claims for the signature (e.g. scope)')
    .option(
      '--entrypoints <which>',
      'wasm entrypoints: "all" (every rule and package answers on the Data API) or "annotated" (only rules ' +
        'annotated `entrypoint: true`; other rules answer 501 not_compiled)',
      DEFAULTS.buildEntrypoints,
    )
    .option('-e, --entrypoint <path>', 'compile only this entrypoint (a/b/rule); repeat for several', collect)
    .action(async (dir: string, options: BuildCommandOptions) => {
      const { entrypoints: _which, entrypoint: _listed, ...rest } = options
      const result = await buildBundle({ source: dir, ...rest, entrypoints: entrypointSelection(options) })
      process.stdout.write(`${JSON.stringify({ bundle: result.output, revision: result.revision })}\n`)
    })
}
