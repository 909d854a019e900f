// Builds the HTTP app over real bundles for route tests. After serveAppsOverSocket(), the apps it builds answer
// through a real socket on 127.0.0.1 (listen() with the lean data route in front of hono), behind a proxy with
// hono's app.request(), so a suite written for app.request() runs unchanged against the served stack.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { Hono } from 'hono'
import { pino } from 'pino'
import { afterAll } from 'vitest'
import { createPolicyRegistry, type PolicyRegistry } from '../../engine/activation/policy-registry.js'
import { loadBundleFromPath } from '../../engine/bundle/index.js'
import { createDecider } from '../../engine/decision/decider.js'
import { createPolicySet } from '../../engine/policy/policy-set.js'
import {
  type AppDeps,
  type createApp,
  createHttpHandlers,
  type LeanRoute,
} from '../../engine/server/index.js'
import { listen } from '../../engine/server/listen.js'

export const silentLog = pino({ level: 'silent' })

export type TestApp = ReturnType<typeof createApp>

let overSocket = false
const closers: Array<() => Promise<void>> = []

/** From now on appFor() serves its apps over a real socket; call at the top of a test file. */
export function serveAppsOverSocket(): void {
  overSocket = true
  afterAll(async () => {
    await Promise.all(closers.splice(0).map((close) => close()))
  })
}

/** Every request a socket-served app got, and whether the lean route answered it (else hono did). */
export const servedRequests: Array<{ method: string; url: string; lean: boolean }> = []

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
  const deps: AppDeps = {
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
  }
  const handlers = createHttpHandlers(deps)
  if (!overSocket) return { app: handlers.app, registry }
  return { app: await servedOverSocket(handlers.app, handlers.lean), registry }
}

/** Serves app + lean on 127.0.0.1 and returns a hono app that forwards every request there, bytes unchanged. */
export async function servedOverSocket(app: Hono, lean: LeanRoute): Promise<Hono> {
  const served = await listen(
    app,
    {
      host: '127.0.0.1',
      port: 0,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5000,
    },
    (req, res) => {
      const taken = lean(req, res)
      servedRequests.push({ method: req.method ?? '', url: req.url ?? '', lean: taken })
      return taken
    },
  )
  closers.push(served.close)
  const proxy = new Hono()
  proxy.all('*', async (c) => {
    const url = new URL(c.req.url)
    const body = new Uint8Array(await c.req.raw.arrayBuffer())
    const answer = await forward(
      `${served.url}${url.pathname}${url.search}`,
      c.req.method,
      c.req.raw.headers,
      body,
    )
    const headers = new Headers()
    for (const [name, value] of Object.entries(answer.headers)) {
      for (const one of Array.isArray(value) ? value : [value ?? '']) headers.append(name, one)
    }
    const empty = answer.body.byteLength === 0 && [204, 205, 304, 405].includes(answer.status)
    return new Response(empty ? null : new Uint8Array(answer.body), { status: answer.status, headers })
  })
  return proxy
}

function forward(
  url: string,
  method: string,
  headers: Headers,
  body: Uint8Array,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const outgoing: Record<string, string> = {}
    headers.forEach((value, name) => {
      outgoing[name] = value
    })
    if (body.byteLength > 0) outgoing['content-length'] = String(body.byteLength)
    const req = httpRequest(url, { method, headers: outgoing }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      )
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body.byteLength > 0 ? body : undefined)
  })
}
