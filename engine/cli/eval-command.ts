// `clearance eval`: one document path evaluated against bundles, printed as the Data API would answer.
import { existsSync } from 'node:fs'
import type { Command } from 'commander'
import { createPolicyRegistry, parseBundleSpecs } from '../activation/index.js'
import { loadBundleFromPath } from '../bundle/index.js'
import { createDecider } from '../decision/index.js'
import { ClearanceError } from '../errors.js'
import { createPolicySet, normalizePath } from '../policy/index.js'
import { dataResponseText } from '../server/index.js'
import { VERSION } from '../version.js'
import { collect, readInput } from './command-helpers.js'

export function addEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('evaluate one document path against bundles and print the answer as the Data API would')
    .requiredOption(
      '-b, --bundle <file|dir|name=path>',
      'bundle .tar.gz or directory; repeat for several bundles',
      collect,
    )
    .requiredOption('-p, --path <path>', 'document path, e.g. clearance/authz/decision')
    .option('-i, --input <file|->', 'input JSON file, or - for stdin')
    .option('--fail', 'exit with status 1 when the document is undefined')
    .action(async (options: { bundle: string[]; path: string; input?: string; fail?: boolean }) => {
      const specs = parseBundleSpecs(options.bundle)
      for (const spec of specs) {
        if (!existsSync(spec.path)) {
          throw new ClearanceError('config_error', `bundle "${spec.path}" does not exist (--bundle)`)
        }
      }
      const bundles = await Promise.all(specs.map((spec) => loadBundleFromPath(spec.name, spec.path)))
      const registry = createPolicyRegistry()
      registry.activate(await createPolicySet(bundles))
      const decision = await createDecider({ registry }).decide(
        normalizePath(options.path),
        await readInput(options.input),
      )
      process.stdout.write(dataResponseText(decision, { pretty: true, version: VERSION }))
      if (options.fail === true && !decision.outcome.defined) process.exitCode = 1
    })
}
