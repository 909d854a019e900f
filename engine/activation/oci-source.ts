// A bundle pulled from an OCI registry (`--bundle oci://host/repo:tag`), in the layout OPA and `oras` use: an OCI
// image manifest with exactly one tar+gzip layer, the bundle. Each poll reads the manifest (one request while
// nothing changed) and compares its digest with the active one, which plays the ETag: the polling, back-off,
// persistence, status and "last good bundle keeps serving" are the HTTP source's, fed by a fetcher that speaks
// the distribution API. Anything off in the registry's answer (a missing tag, another media type, a layer past
// the size limit or whose bytes do not hash to its digest, no answer in time) fails the poll with a message
// that says which, and the active bundle stays.
import type { IncomingHttpHeaders } from 'node:http'
import { STATUS_CODES } from 'node:http'
import { defaultBundleLimits } from '../bundle/index.js'
import { ClearanceError, describeThrown, ErrorCodes } from '../errors.js'
import {
  type BundleFetcher,
  createOciRegistryClient,
  type FetchResponse,
  formatOciReference,
  OCI_BUNDLE_LAYER_MEDIA_TYPE,
  OCI_MANIFEST_MEDIA_TYPE,
  type OciReference,
  type OciRegistryClient,
  type OciRegistryOptions,
  parseOciReference,
} from '../net/index.js'
import { createHttpSource, type HttpSource, type HttpSourceOptions } from './http-source.js'

export interface OciSourceOptions extends Omit<HttpSourceOptions, 'fetcher' | 'url'> {
  /** oci://host[:port]/repository:tag or …@sha256:<digest>. */
  reference: string
  registry?: OciRegistryOptions | undefined
  /** Replaces the registry client (tests). */
  client?: OciRegistryClient | undefined
}

interface Descriptor {
  mediaType: string
  digest: string
  size: number
}

const DIGEST = /^sha256:[a-f0-9]{64}$/

function refuse(reference: OciReference, message: string): ClearanceError {
  return new ClearanceError(ErrorCodes.bundleError, `${formatOciReference(reference)}: ${message}`)
}

/** The bundle layer of an OPA bundle manifest; throws naming what is wrong with it. */
export function bundleLayerOf(reference: OciReference, body: Buffer, contentType: string): Descriptor {
  let manifest: { schemaVersion?: unknown; mediaType?: unknown; layers?: unknown }
  try {
    manifest = JSON.parse(body.toString('utf8')) as typeof manifest
  } catch (thrown) {
    throw refuse(reference, `the manifest is not JSON: ${describeThrown(thrown)}`)
  }
  const mediaType = typeof manifest.mediaType === 'string' ? manifest.mediaType : contentType
  if (mediaType !== OCI_MANIFEST_MEDIA_TYPE || manifest.schemaVersion !== 2) {
    throw refuse(
      reference,
      `the manifest's media type is "${mediaType}" (schema ${String(manifest.schemaVersion)}); an OPA bundle is an ${OCI_MANIFEST_MEDIA_TYPE}, schema 2`,
    )
  }
  const layers = Array.isArray(manifest.layers) ? (manifest.layers as Array<Partial<Descriptor>>) : []
  const bundles = layers.filter((layer) => layer.mediaType === OCI_BUNDLE_LAYER_MEDIA_TYPE)
  if (bundles.length !== 1) {
    const types = layers.map((layer) => String(layer.mediaType)).join(', ')
    throw refuse(
      reference,
      `the manifest has ${bundles.length} layers of media type ${OCI_BUNDLE_LAYER_MEDIA_TYPE} (an OPA bundle is exactly one)${types === '' ? '' : `; its layers: ${types}`}`,
    )
  }
  const layer = bundles[0]!
  if (typeof layer.digest !== 'string' || !DIGEST.test(layer.digest)) {
    throw refuse(reference, `the bundle layer's digest "${String(layer.digest)}" is not sha256:<64 hex>`)
  }
  if (typeof layer.size !== 'number' || !Number.isSafeInteger(layer.size) || layer.size < 0) {
    throw refuse(reference, "the bundle layer's size is missing or not a whole number")
  }
  return { mediaType: OCI_BUNDLE_LAYER_MEDIA_TYPE, digest: layer.digest, size: layer.size }
}

/** A BundleFetcher that answers the HTTP source's ETag protocol from a registry: ETag = manifest digest. */
export function createOciBundleFetcher(
  reference: OciReference,
  client: OciRegistryClient,
  maxBytes: number,
): BundleFetcher {
  return {
    async get(_url, headers, signal) {
      let manifest: Awaited<ReturnType<OciRegistryClient['getManifest']>>
      try {
        manifest = await client.getManifest(reference, signal)
      } catch (thrown) {
        throw refuse(reference, describeThrown(thrown))
      }
      if (manifest.status !== 200) {
        const text = STATUS_CODES[manifest.status] ?? ''
        const what = manifest.status === 404 ? 'no such tag or digest' : 'the manifest was refused'
        throw refuse(reference, `registry answered ${manifest.status} ${text} (${what})`.trim())
      }
      const none: IncomingHttpHeaders = { etag: manifest.digest }
      if (headers['if-none-match'] === manifest.digest) {
        return { status: 304, headers: none, body: Buffer.alloc(0) } satisfies FetchResponse
      }
      const layer = bundleLayerOf(reference, manifest.body, manifest.mediaType)
      if (layer.size > maxBytes) {
        throw refuse(
          reference,
          `the bundle layer is ${layer.size} bytes, over the ${maxBytes}-byte bundle limit`,
        )
      }
      let body: Buffer
      try {
        body = await client.getBlob(reference, layer.digest, maxBytes, signal)
      } catch (thrown) {
        throw refuse(reference, describeThrown(thrown))
      }
      return { status: 200, headers: none, body } satisfies FetchResponse
    },
    close() {
      client.close()
    },
  }
}

export function createOciSource(options: OciSourceOptions): HttpSource {
  const reference = parseOciReference(options.reference)
  const limits = options.limits ?? defaultBundleLimits
  const maxBytes = Math.min(options.maxBytes ?? limits.maxCompressedBytes, limits.maxCompressedBytes)
  const client =
    options.client ??
    createOciRegistryClient({
      ...options.registry,
      credentials: options.registry?.credentials ?? options.credentials,
      timeoutMs: options.registry?.timeoutMs ?? options.timeoutMs,
    })
  return createHttpSource({
    ...options,
    url: formatOciReference(reference),
    fetcher: createOciBundleFetcher(reference, client, maxBytes),
  })
}
