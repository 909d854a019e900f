// Turns a bundle's raw files into a checked Bundle: manifest, data document placed at its paths, and the wasm
// modules with their entrypoints. Everything is verified here, before any of it can reach an evaluator.
import { parse as parseYaml } from 'yaml'
import { ClearanceError, describeThrown, ErrorCodes } from '../errors.js'
import { assertJsonShape, isRecord, parseJson } from '../json/index.js'
import type { BundleFiles } from './bundle-files.js'
import { defaultBundleLimits } from './bundle-limits.js'
import { type Manifest, normalizeDocPath, parseManifest } from './manifest.js'
import { isUnderRoot } from './roots.js'

export type DataDocument = Record<string, unknown>

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
  data: DataDocument
  modules: readonly WasmModule[]
  /** The Rego sources the bundle carries beside its wasm ("/a/b.rego" and its text), as OPA lists them. */
  policies: readonly RegoSource[]
  /** Total unpacked size, for status and metrics. */
  sizeBytes: number
}

const decoder = new TextDecoder('utf-8', { fatal: true })

function bundleError(bundle: string, message: string, cause?: unknown): ClearanceError {
  return new ClearanceError(
    ErrorCodes.bundleError,
    `bundle "${bundle}": ${message}`,
    cause === undefined ? undefined : { cause },
  )
}

/** Data nested deeper than this is refused before parsing (the parsers and the wasm loader recurse). */
const MAX_DATA_DEPTH = defaultBundleLimits.maxDataDepth!

function parseDataFile(bundle: string, path: string, bytes: Uint8Array): unknown {
  try {
    if (path.endsWith('.json')) assertJsonShape(bytes, { maxDepth: MAX_DATA_DEPTH, maxElements: Infinity })
    const text = decoder.decode(bytes)
    return path.endsWith('.json') ? parseJson(text) : parseYaml(text)
  } catch (thrown) {
    throw bundleError(
      bundle,
      `${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${describeThrown(thrown)}`,
      thrown,
    )
  }
}

/** Places `value` at `segments` inside `root`, merging objects; a non-object collision is an error. */
function placeData(
  bundle: string,
  file: string,
  root: DataDocument,
  segments: string[],
  value: unknown,
): void {
  if (segments.length === 0) {
    if (!isRecord(value))
      throw bundleError(bundle, `${file} at the root of the bundle must hold a JSON object`)
    mergeInto(bundle, file, root, value, '')
    return
  }
  let node = root
  for (const segment of segments.slice(0, -1)) {
    const next = node[segment]
    if (next === undefined) {
      const created: DataDocument = {}
      node[segment] = created
      node = created
    } else if (isRecord(next)) {
      node = next
    } else {
      throw bundleError(bundle, `${file} collides with a non-object value at "${segments.join('/')}"`)
    }
  }
  const last = segments[segments.length - 1]!
  const existing = node[last]
  if (existing === undefined) node[last] = value
  else if (isRecord(existing) && isRecord(value)) mergeInto(bundle, file, existing, value, segments.join('/'))
  else throw bundleError(bundle, `${file} collides with other data at "${segments.join('/')}"`)
}

function mergeInto(
  bundle: string,
  file: string,
  target: DataDocument,
  source: DataDocument,
  at: string,
): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key]
    if (existing === undefined) target[key] = value
    else if (isRecord(existing) && isRecord(value)) mergeInto(bundle, file, existing, value, `${at}/${key}`)
    else
      throw bundleError(bundle, `${file} collides with other data at "${`${at}/${key}`.replace(/^\//, '')}"`)
  }
}

/** Reports every top-level data path that no root of the bundle owns. */
function assertDataInsideRoots(bundle: string, data: DataDocument, roots: readonly string[]): void {
  if (roots.includes('')) return
  const visit = (node: unknown, path: string): void => {
    if (roots.some((root) => isUnderRoot(path, root))) return
    // A parent of a root may exist only to hold the root's data.
    if (isRecord(node) && roots.some((root) => isUnderRoot(root, path))) {
      for (const [key, child] of Object.entries(node)) visit(child, path === '' ? key : `${path}/${key}`)
      return
    }
    throw bundleError(
      bundle,
      `data at "${path}" is outside the manifest roots (${roots.map((r) => `"${r}"`).join(', ')})`,
    )
  }
  for (const [key, child] of Object.entries(data)) visit(child, key)
}

/** Builds a Bundle from its files. `name` identifies it in errors, status and decision provenance. */
export function loadBundle(name: string, files: BundleFiles): Bundle {
  let sizeBytes = 0
  for (const bytes of files.values()) sizeBytes += bytes.byteLength

  const manifestBytes = files.get('/.manifest')
  const manifest = parseManifest(
    manifestBytes === undefined ? undefined : parseDataFile(name, '/.manifest.json', manifestBytes),
  )

  const data: DataDocument = {}
  const dataFiles = [...files.keys()].filter((path) => /\/data\.(json|ya?ml)$/.test(path)).sort()
  for (const path of dataFiles) {
    const segments = path.split('/').slice(1, -1)
    placeData(name, path, data, segments, parseDataFile(name, path, files.get(path)!))
  }
  assertDataInsideRoots(name, data, manifest.roots)

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
  return { name, manifest, data, modules, policies, sizeBytes }
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
