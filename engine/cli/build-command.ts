// `clearance build`: compiles a policy folder into an OPA wasm bundle with the pinned opa.
import type { Command } from 'commander'
import { buildBundle } from '../build/index.js'
import { DEFAULTS } from '../config/index.js'

interface BuildCommandOptions {
  output: string
  revision?: string
  capabilities?: string
  signingKey?: string
  signingAlg?: string
  signingKeyId?: string
  claimsFile?: string
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
    .action(async (dir: string, options: BuildCommandOptions) => {
      const result = await buildBundle({ source: dir, ...options })
      process.stdout.write(`${JSON.stringify({ bundle: result.output, revision: result.revision })}\n`)
    })
}
