// Turns a bundle's raw files into a checked Bundle: manifest, data document placed at its paths, and the wasm
// modules with their entrypoints. Everything is verified here, before any of it can reach an evaluator.
import { parseJson } from '../json/index.js'
import { buildDataDocument, bundleError, type DataDocument, parseDataFile } from './bundle-data.js'
import type { BundleFiles } from './bundle-files.js'
import { type Manifest, normalizeDocPath, parseManifest } from './manifest.js'
import { isUnderRoot } from './roots.js'

export type { DataDocument } from './bundle-data.js'

const decoder = new TextDecoder('utf-8', { fatal: true })

export interface WasmModule {
  /** Path in the bundle, e.g. "/policy.wasm". */
  path: string
  bytes: Uint8Array
  /** Entrypoints the manifest assigns to this module ("a/b/c"); all of the module's when the manifest lists none. */
  entrypoints: readonly string[] | 'all'
}

export interface RegoSource {
  path: string
  text: string
}

export interface Bundle {
  name: string
  manifest: Manifest
  /** The data document (parsed on first use when the bundle came with `dataJson`). */
  readonly data: DataDocument
  /**
   * The data document's JSON bytes, when it was parsed, checked and encoded off the serving thread
   * (data-off-thread.ts); a policy set of this bundle alone is loaded from them without parsing anything.
   */
  readonly dataJson?: Uint8Array | undefined
  modules: readonly WasmModule[]
  /** The Rego sources the bundle carries beside its wasm ("/a/b.rego" and its text), as OPA lists them. */
  policies: readonly RegoSource[]
  /** Total unpacked size, for status and metrics. */
  sizeBytes: number
}

/** The bundle's manifest (OPA's defaults when it has none). */
export function readManifest(name: string, files: BundleFiles): Manifest {
  const manifestBytes = files.get('/.manifest')
  return parseManifest(
    manifestBytes === undefined ? undefined : parseDataFile(name, '/.manifest.json', manifestBytes),
  )
}

/**
 * Builds a Bundle from its files. `name` identifies it in errors, status and decision provenance. `dataJson`: the
 * data document already built from the data files and encoded (data-off-thread.ts); the files' data is then not
 * parsed here.
 */
export function loadBundle(name: string, files: BundleFiles, dataJson?: Uint8Array): Bundle {
  let sizeBytes = 0
  for (const bytes of files.values()) sizeBytes += bytes.byteLength

  const manifest = readManifest(name, files)

  let data = dataJson === undefined ? buildDataDocument(name, files, manifest.roots) : undefined

  const byModule = new Map<string, string[]>()
  for (const resolver of manifest.wasm) {
    if (!manifest.roots.some((root) => isUnderRoot(resolver.entrypoint, root))) {
      throw bundleError(name, `wasm entrypoint "${resolver.entrypoint}" is outside the manifest roots`)
    }
    const list = byModule.get(normalizeModulePath(resolver.module)) ?? []
    list.push(resolver.entrypoint)
    byModule.set(normalizeModulePath(resolver.module), list)
  }
  const modules: WasmModule[] = []
  for (const [path, entrypoints] of byModule) {
    const bytes = files.get(path)
    if (bytes === undefined)
      throw bundleError(name, `manifest names wasm module "${path}" but the bundle has no such file`)
    modules.push({ path, bytes, entrypoints })
  }
  const wasmFiles = [...files.keys()].filter((path) => path.endsWith('.wasm') && !byModule.has(path))
  for (const path of wasmFiles) modules.push({ path, bytes: files.get(path)!, entrypoints: 'all' })

  const policies = regoSources(name, files)
  if (modules.length === 0 && policies.length > 0) {
    throw bundleError(
      name,
      'holds Rego but no compiled policy.wasm; build it with `clearance build` (opa build -t wasm)',
    )
  }
  return {
    name,
    manifest,
    get data(): DataDocument {
      const bytes = dataJson!
      data ??= parseJson(
        Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
      ) as DataDocument
      return data
    },
    dataJson,
    modules,
    policies,
    sizeBytes,
  }
}

function regoSources(name: string, files: BundleFiles): RegoSource[] {
  const sources: RegoSource[] = []
  for (const [path, bytes] of files) {
    if (!path.endsWith('.rego')) continue
    try {
      sources.push({ path, text: decoder.decode(bytes) })
    } catch (thrown) {
      throw bundleError(name, `${path} is not valid UTF-8`, thrown)
    }
  }
  return sources.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

function normalizeModulePath(path: string): string {
  return `/${normalizeDocPath(path)}`
}
