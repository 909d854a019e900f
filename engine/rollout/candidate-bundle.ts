// Where replay and diff get a bundle from: a bundle file (.tar.gz), an unpacked bundle folder, or a folder of
// Rego policy source, which is first built with the project's own build (`clearance build`, so with the same opa
// and capabilities as a release) into a temporary bundle. `name=location` names the bundle as `--bundle` does.
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseBundleSpec } from '../activation/index.js'
import { buildBundle } from '../build/index.js'
import { ClearanceError, ErrorCodes } from '../errors.js'

export interface ResolvedBundle {
  name: string
  /** A bundle .tar.gz or unpacked bundle folder, loadable with loadBundleFromPath. */
  path: string
  /** The location as given. */
  location: string
  /** True when `path` was built here from a policy folder. */
  built: boolean
}

async function holdsRego(dir: string, depth = 0): Promise<boolean> {
  if (depth > 8) return false
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.rego')) return true
    if (
      entry.isDirectory() &&
      !entry.name.startsWith('.') &&
      (await holdsRego(join(dir, entry.name), depth + 1))
    )
      return true
  }
  return false
}

/** A policy folder: Rego source without a compiled policy at its top. */
export async function isPolicyFolder(path: string): Promise<boolean> {
  const info = await stat(path)
  if (!info.isDirectory()) return false
  if (existsSync(join(path, 'policy.wasm')) || existsSync(join(path, '.manifest'))) return false
  return holdsRego(path)
}

export interface BundleWorkspace {
  resolve(spec: string): Promise<ResolvedBundle>
  /** Removes the bundles built here. */
  close(): Promise<void>
}

export function createBundleWorkspace(): BundleWorkspace {
  let dir: string | undefined
  let built = 0
  return {
    async resolve(spec) {
      const { name, path } = parseBundleSpec(spec)
      if (!existsSync(path)) {
        throw new ClearanceError(ErrorCodes.configError, `bundle "${path}" does not exist`)
      }
      if (!(await isPolicyFolder(path))) return { name, path, location: path, built: false }
      dir ??= await mkdtemp(join(tmpdir(), 'clearance-rollout-'))
      const output = join(dir, `${built++}-${name}.tar.gz`)
      await buildBundle({ source: path, output })
      return { name, path: output, location: path, built: true }
    },
    async close() {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true })
    },
  }
}
