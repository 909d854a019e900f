// Builds the HTTP app over real bundles for route tests.
import { pino } from 'pino'
import { createPolicyRegistry, type PolicyRegistry } from '../../engine/activation/policy-registry.js'
import { loadBundleFromPath } from '../../engine/bundle/index.js'
import { createDecider } from '../../engine/decision/decider.js'
import { createPolicySet } from '../../engine/policy/policy-set.js'
import { createApp } from '../../engine/server/index.js'

export const silentLog = pino({ level: 'silent' })

export type TestApp = ReturnType<typeof createApp>

export async function appFor(
  bundles: Record<string, string>,
  overrides: {
    defaultDecision?: string
    maxBodyBytes?: number
    maxJsonDepth?: number
    checkPath?: string
  } = {},
): Promise<{ app: ReturnType<typeof createApp>; registry: PolicyRegistry }> {
  const registry = createPolicyRegistry()
  const loaded = await Promise.all(
    Object.entries(bundles).map(([name, path]) => loadBundleFromPath(name, path)),
  )
  registry.activate(await createPolicySet(loaded))
  const app = createApp({
    ...(overrides.checkPath === undefined ? {} : { checkPath: overrides.checkPath }),
    decider: createDecider({ registry }),
    config: {
      defaultDecision: overrides.defaultDecision ?? 'system/main',
      maxBodyBytes: overrides.maxBodyBytes ?? 1024 * 1024,
      json: { maxDepth: overrides.maxJsonDepth ?? 64, maxElements: 100_000 },
    },
    log: silentLog,
    version: 'test',
    bundlesNotReady: () =>
      registry.current() === undefined ? 'not all bundles have been activated' : undefined,
  })
  return { app, registry }
}
