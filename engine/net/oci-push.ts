// Publishes an OPA bundle to an OCI registry in the layout OPA's downloader and `oras` agree on: an empty JSON
// config and one tar+gzip layer, the bundle, under an OCI image manifest. Blobs the registry already holds are not
// sent again, so pushing the same bundle twice uploads nothing but the manifest and yields the same digest.
import type { OciReference } from './oci-reference.js'
import {
  OCI_BUNDLE_LAYER_MEDIA_TYPE,
  OCI_CONFIG_MEDIA_TYPE,
  OCI_MANIFEST_MEDIA_TYPE,
  type OciRegistryClient,
  sha256Digest,
} from './oci-registry.js'

export interface PushedBundle {
  /** The manifest's digest: what every replica will pull, and what `repo@digest` pins. */
  digest: string
  layerDigest: string
  size: number
}

export interface BundleManifestOptions {
  /** The bundle's file name, recorded as the layer's title (as oras does). */
  title?: string | undefined
  /** Extra manifest annotations, e.g. org.opencontainers.image.revision. */
  annotations?: Record<string, string> | undefined
}

/** The manifest bytes for a bundle whose layer and config blobs are described. */
export function bundleManifest(
  layer: { digest: string; size: number },
  config: { digest: string; size: number },
  options: BundleManifestOptions = {},
): Buffer {
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST_MEDIA_TYPE,
    config: { mediaType: OCI_CONFIG_MEDIA_TYPE, digest: config.digest, size: config.size },
    layers: [
      {
        mediaType: OCI_BUNDLE_LAYER_MEDIA_TYPE,
        digest: layer.digest,
        size: layer.size,
        ...(options.title === undefined
          ? {}
          : { annotations: { 'org.opencontainers.image.title': options.title } }),
      },
    ],
    ...(options.annotations === undefined ? {} : { annotations: options.annotations }),
  }
  return Buffer.from(JSON.stringify(manifest))
}

export async function pushBundle(
  client: OciRegistryClient,
  reference: OciReference,
  bundle: Uint8Array,
  options: BundleManifestOptions = {},
): Promise<PushedBundle> {
  const config = Buffer.from('{}')
  const upload = async (bytes: Uint8Array): Promise<string> => {
    const digest = sha256Digest(bytes)
    return (await client.hasBlob(reference, digest)) ? digest : client.putBlob(reference, bytes)
  }
  const configDigest = await upload(config)
  const layerDigest = await upload(bundle)
  const manifest = bundleManifest(
    { digest: layerDigest, size: bundle.byteLength },
    { digest: configDigest, size: config.byteLength },
    options,
  )
  const digest = await client.putManifest(reference, reference.reference, manifest, OCI_MANIFEST_MEDIA_TYPE)
  return { digest, layerDigest, size: bundle.byteLength }
}
