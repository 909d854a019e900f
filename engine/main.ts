// The only place that wires the parts together: bundles → policy set → registry → decider → HTTP server.

import { readFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import type { Logger } from 'pino'
import { loadBundleFromPath } from './bundle/index.js'
import type { ServeConfig } from './config.js'
import { createDecider } from './decision/decider.js'
import { createInputValidator, type InputValidator } from './decision/input-schema.js'
import { createPolicySet } from './evaluator/policy-set.js'
import { createApp } from './http/index.js'
import { createPolicyRegistry } from './registry/policy-registry.js'
import { VERSION } from './version.js'

export interface RunningServer {
  url: string
  close(): Promise<void>
}

/** Loads every configured bundle (failing start-up if one is bad), then serves the API. */
export async function startServer(config: ServeConfig, log: Logger): Promise<RunningServer> {
  const registry = createPolicyRegistry()
  const bundles = await Promise.all(config.bundles.map((spec) => loadBundleFromPath(spec.name, spec.path)))
  const policies = await createPolicySet(bundles)
  registry.activate(policies)
  log.info(
    { bundles: policies.bundles.map(({ name, revision, entrypoints }) => ({ name, revision, entrypoints })) },
    'bundles activated',
  )

  let validateInput: InputValidator | undefined
  if (config.inputSchema !== undefined) {
    validateInput = createInputValidator(JSON.parse(await readFile(config.inputSchema, 'utf8')))
  }
  const app = createApp({
    checkPath: config.checkPath,
    ...(validateInput === undefined ? {} : { validateInput }),
    decider: createDecider({ registry }),
    config: { defaultDecision: config.defaultDecision, maxBodyBytes: config.maxBodyBytes },
    log,
    version: VERSION,
    bundlesNotReady: () =>
      registry.current() === undefined ? 'not all bundles have been activated' : undefined,
  })

  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, () =>
      resolve(started),
    )
    started.once('error', reject)
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const url = `http://${host}:${address.port}`
  log.info({ addr: url, version: VERSION }, 'server listening')
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        if ('closeAllConnections' in server) server.closeAllConnections()
      }),
  }
}
