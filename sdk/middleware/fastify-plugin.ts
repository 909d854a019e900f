// Clearance as a fastify (4 and 5) plugin: `await app.register(clearanceFastify({ service, authorizer }))`. Every
// request is decided in an onRequest hook, before body parsing and the handler; a denial is answered (403, 401, or
// 503 with Retry-After), an allow goes on with its obligations on `request.clearance` and every JSON response
// masked per mask_fields on the Node response itself, so reply.send, serializers, streams and a hijacked reply
// are all covered. The route template comes from fastify's router (`/orders/:id`). Typed structurally, so the SDK
// does not depend on fastify.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RequestFacts } from './decision-input.js'
import { type Authorization, createRequestGuard, type GuardOptions } from './request-guard.js'
import { maskResponse } from './response-masking.js'

export interface FastifyLikeRequest {
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
  raw: IncomingMessage
  routeOptions?: { url?: string | undefined } | undefined
  clearance?: Authorization | undefined
}

export interface FastifyLikeReply {
  raw: ServerResponse
  code(status: number): FastifyLikeReply
  headers(values: Record<string, string>): FastifyLikeReply
  send(payload?: unknown): FastifyLikeReply
}

export interface FastifyLikeInstance {
  // biome-ignore lint/suspicious/noExplicitAny: fastify's overloaded addHook is matched structurally
  addHook(name: 'onRequest', hook: (request: any, reply: any) => Promise<unknown>): unknown
  decorateRequest(name: 'clearance', value: undefined): unknown
}

export type ClearanceFastifyPlugin = (instance: FastifyLikeInstance, options: unknown) => Promise<void>

function factsOf(request: FastifyLikeRequest): RequestFacts {
  const route = request.routeOptions?.url
  return {
    method: request.method,
    route: route === undefined || route === '' ? undefined : route,
    path: new URL(request.url, 'http://localhost').pathname,
    header: (name) => {
      const value = request.headers[name.toLowerCase()]
      return Array.isArray(value) ? value.join(', ') : value
    },
    socket: request.raw.socket,
  }
}

/** The authorization the plugin put on an allowed request. */
export function fastifyClearanceOf(request: object): Authorization | undefined {
  return (request as { clearance?: Authorization | undefined }).clearance
}

export function clearanceFastify(options: GuardOptions): ClearanceFastifyPlugin {
  const guard = createRequestGuard(options)
  const maskResponses = options.maskResponses ?? true
  const plugin: ClearanceFastifyPlugin = async (instance) => {
    instance.decorateRequest('clearance', undefined)
    instance.addHook('onRequest', async (request: FastifyLikeRequest, reply: FastifyLikeReply) => {
      const result = await guard(factsOf(request))
      if (!result.allowed) {
        // Answering from an async hook ends the request there; the handler never runs.
        return reply.code(result.status).headers(result.headers).send(result.body)
      }
      request.clearance = result.authorization
      if (maskResponses && result.authorization.maskFields.length > 0) {
        maskResponse(reply.raw, result.authorization.maskFields)
      }
      return undefined
    })
  }
  // What fastify-plugin does: the hook applies to the whole app, not only to routes registered inside the plugin.
  Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: 'clearance',
  })
  return plugin
}
