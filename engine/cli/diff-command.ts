// `clearance diff <old> <new>`: what changed between two bundles or policy folders (built first), in the
// security team's terms. Exit codes: 0 (whether or not anything changed), 1 failure, 2 usage error.
import type { Command } from 'commander'
import { loadBundle, readBundleFiles } from '../bundle/index.js'
import { ClearanceError, ErrorCodes } from '../errors.js'
import {
  type BundleWorkspace,
  createBundleWorkspace,
  DIFF_FORMATS,
  type DiffFormat,
  type DiffSide,
  diffBundles,
  formatDiff,
} from '../rollout/index.js'

async function side(workspace: BundleWorkspace, spec: string): Promise<DiffSide> {
  const resolved = await workspace.resolve(spec)
  const files = await readBundleFiles(resolved.path)
  return { location: resolved.location, bundles: [loadBundle(resolved.name, files)], files: [files] }
}

export function registerDiffCommand(program: Command): void {
  program
    .command('diff')
    .description(
      'what changed between two bundles or policy folders: grants, denies, zones, classifications, Rego',
    )
    .argument('<old>', 'bundle .tar.gz, bundle folder or policy folder')
    .argument('<new>', 'bundle .tar.gz, bundle folder or policy folder')
    .option('--format <format>', 'text | json | markdown', 'text')
    .action(async (before: string, after: string, options: { format: string }) => {
      if (!(DIFF_FORMATS as readonly string[]).includes(options.format)) {
        throw new ClearanceError(
          ErrorCodes.configError,
          `invalid --format: "${options.format}" is not one of ${DIFF_FORMATS.join(', ')}`,
        )
      }
      const workspace = createBundleWorkspace()
      try {
        const diff = diffBundles(await side(workspace, before), await side(workspace, after))
        process.stdout.write(formatDiff(diff, options.format as DiffFormat))
      } finally {
        await workspace.close()
      }
    })
}
