// The copy of a policy folder that `opa build` actually compiles: the user's files, plus a .manifest whose metadata
// carries the rule index. Building from a copy leaves the user's folder untouched, and building it from inside (cwd,
// `-b .`) keeps the build machine's absolute paths out of the bundle's file names and the wasm's locations.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { ClearanceError, describeThrown, ErrorCodes } from '../errors.js'
import type { RuleIndex } from './rule-index.js'

/** Where the server finds the rule index in a bundle's manifest: `metadata.clearance.rule_index`. */
export const RULE_INDEX_METADATA_KEY = 'clearance'

export interface StagedSource {
  dir: string
  /** The source's own .manifest, if any (its rego_version decides how the sources parse). */
  manifest: Record<string, unknown> | undefined
  remove(): Promise<void>
}

const SKIPPED = new Set(['.git', 'node_modules'])

/** Reads the folder's .manifest, if it has one. */
export async function readSourceManifest(source: string): Promise<Record<string, unknown> | undefined> {
  let text: string
  try {
    text = await readFile(join(source, '.manifest'), 'utf8')
  } catch {
    return undefined
  }
  try {
    const parsed: unknown = JSON.parse(text)
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>
    }
  } catch (thrown) {
    throw new ClearanceError(ErrorCodes.buildError, `.manifest is not valid JSON: ${describeThrown(thrown)}`)
  }
  throw new ClearanceError(ErrorCodes.buildError, '.manifest must hold a JSON object')
}

/** Copies `source` to a temporary folder and writes its .manifest with the rule index in the metadata. */
export async function stageSource(
  source: string,
  manifest: Record<string, unknown> | undefined,
  index: RuleIndex,
): Promise<StagedSource> {
  const parent = await mkdtemp(join(tmpdir(), 'clearance-build-'))
  const dir = join(parent, 'src')
  await cp(source, dir, { recursive: true, filter: (path) => !SKIPPED.has(basename(path)) })
  const metadata = (manifest?.metadata ?? {}) as Record<string, unknown>
  const write = (ruleIndex: RuleIndex): Promise<void> => {
    const staged = {
      ...manifest,
      metadata: {
        ...metadata,
        [RULE_INDEX_METADATA_KEY]: {
          ...((metadata[RULE_INDEX_METADATA_KEY] ?? {}) as Record<string, unknown>),
          rule_index: ruleIndex,
        },
      },
    }
    return writeFile(join(dir, '.manifest'), JSON.stringify(staged))
  }
  await write(index)
  return {
    dir,
    manifest,
    remove: () => rm(parent, { recursive: true, force: true }),
  }
}
