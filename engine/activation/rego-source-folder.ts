// `--bundle policies/` where policies/ is Rego source, not a built bundle: said once, at start-up, as a usage
// error (exit 2) naming the command that builds it, instead of one refusal per sub-folder read as a bundle.
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { DEFAULTS } from '../config/defaults.js'
import { ClearanceError, ErrorCodes } from '../errors.js'

const MAX_ENTRIES = 10_000
const BUILT = /^(policy\.wasm|.+\.tar\.gz|.+\.tgz)$/

interface Found {
  rego: string | undefined
  built: boolean
}

async function scan(dir: string, found: Found, budget: { left: number }): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
  for (const entry of entries) {
    if (found.built || --budget.left < 0) return
    if (entry.name.startsWith('.')) continue
    if (entry.isDirectory()) await scan(join(dir, entry.name), found, budget)
    else if (BUILT.test(entry.name)) found.built = true
    else if (entry.name.endsWith('.rego') && found.rego === undefined) found.rego = join(dir, entry.name)
  }
}

/** Throws a config_error when the folder holds Rego source and nothing built (no policy.wasm, no bundle archive). */
export async function assertNotRegoSource(path: string): Promise<void> {
  const found: Found = { rego: undefined, built: false }
  await scan(path, found, { left: MAX_ENTRIES })
  if (found.built || found.rego === undefined) return
  throw new ClearanceError(
    ErrorCodes.configError,
    `"${path}" is Rego source (e.g. ${found.rego}), not a bundle: build it with \`clearance build ${path}\` (writes ${DEFAULTS.buildOutput}) and serve that with --bundle ${DEFAULTS.buildOutput}`,
  )
}
