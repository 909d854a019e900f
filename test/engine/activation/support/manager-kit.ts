// A bundle manager over a fresh temporary folder, with a policy registry to read decisions from.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import {
  type BundleManager,
  type BundleManagerOptions,
  createBundleManager,
} from '../../../../engine/activation/bundle-manager.js'
import { createPolicyRegistry, type PolicyRegistry } from '../../../../engine/activation/policy-registry.js'
import type { PolicySet } from '../../../../engine/policy/policy-set.js'
import { silentLog } from '../../../helpers/app.js'
import { tempDir } from '../../../helpers/fixtures.js'
import type { Files } from './bundle-kit.js'

export interface Managed {
  manager: BundleManager
  registry: PolicyRegistry
}

export function managerFor(
  options: Omit<BundleManagerOptions, 'registry' | 'log'> & { registry?: PolicyRegistry },
): Managed {
  const registry = options.registry ?? createPolicyRegistry()
  const manager = createBundleManager({ cooldownMs: 30, ...options, registry, log: silentLog })
  return { manager, registry }
}

export async function freshDir(label: string): Promise<string> {
  return mkdtemp(join(await tempDir(), `${label}-`))
}

/** Lays a bundle's files out as an unpacked bundle folder (Rego sources left out: the wasm is what runs). */
export async function unpack(files: Files, dir: string): Promise<void> {
  for (const [path, bytes] of files) {
    if (path.endsWith('.rego')) continue
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await writeFile(join(dir, path), bytes)
  }
}

const empty = new TextEncoder().encode('{}')

/** The `version` the reload bundle reports through `set`, or undefined when it is not active. */
export function reloadVersionOf(set: PolicySet | undefined, bundle = 'reload'): string | undefined {
  if (set === undefined || set.revisions[bundle] === undefined) return undefined
  const outcome = set.evaluateEntrypoint('reload/version', empty)
  return outcome.defined ? (JSON.parse(outcome.json) as string) : undefined
}
