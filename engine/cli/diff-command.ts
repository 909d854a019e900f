// `clearance diff <old> <new>`: what changed between two bundles or policy folders (built first), in the
// security team's terms. Exit codes: 0 (whether or not anything changed), 1 failure, 2 usage error.
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
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
  isPolicyFolder,
} from '../rollout/index.js'

/**
 * A policy folder's own Rego sources (tests aside). A bundle built with every rule as an entrypoint holds the
 * compiler's rewritten modules, not the source, so a folder's modules are compared as written.
 */
async function regoSources(dir: string): Promise<Map<string, Uint8Array>> {
  const sources = new Map<string, Uint8Array>()
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.rego') || entry.name.endsWith('_test.rego')) continue
    const path = join(entry.parentPath, entry.name)
    sources.set(`/${relative(dir, path)}`, await readFile(path))
  }
  return sources
}

async function side(workspace: BundleWorkspace, spec: string): Promise<DiffSide & { folder: boolean }> {
  const resolved = await workspace.resolve(spec)
  const files = await readBundleFiles(resolved.path)
  const folder = await isPolicyFolder(resolved.location)
  return { location: resolved.location, bundles: [loadBundle(resolved.name, files)], files: [files], folder }
}

/** Two policy folders compare their sources as written; a bundle on either side, the built modules of both. */
async function sides(
  workspace: BundleWorkspace,
  before: string,
  after: string,
): Promise<[DiffSide, DiffSide]> {
  const [a, b] = [await side(workspace, before), await side(workspace, after)]
  if (!a.folder || !b.folder) return [a, b]
  return [
    { ...a, files: [await regoSources(a.location)] },
    { ...b, files: [await regoSources(b.location)] },
  ]
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
        const diff = diffBundles(...(await sides(workspace, before, after)))
        process.stdout.write(formatDiff(diff, options.format as DiffFormat))
      } finally {
        await workspace.close()
      }
    })
}
