// A bundle's data document: every data.json / data.yaml parsed (held to a nesting depth first) and placed at its
// path, objects merged, collisions and data outside the manifest roots refused. Runs on the serving thread for
// small data and on a worker thread for large (data-off-thread.ts), so the same checks apply either way.
import { parse as parseYaml } from 'yaml'
import { ClearanceError, describeThrown, ErrorCodes } from '../errors.js'
import { assertJsonShape, isRecord, parseJson } from '../json/index.js'
import { defaultBundleLimits } from './bundle-limits.js'
import { isUnderRoot } from './roots.js'

export type DataDocument = Record<string, unknown>

/** True for the paths of data files ("/a/b/data.json", "/data.yaml"). */
export const isDataFile = (path: string): boolean => /\/data\.(json|ya?ml)$/.test(path)

const decoder = new TextDecoder('utf-8', { fatal: true })

export function bundleError(bundle: string, message: string, cause?: unknown): ClearanceError {
  return new ClearanceError(
    ErrorCodes.bundleError,
    `bundle "${bundle}": ${message}`,
    cause === undefined ? undefined : { cause },
  )
}

/** Data nested deeper than this is refused before parsing (the parsers and the wasm loader recurse). */
const MAX_DATA_DEPTH = defaultBundleLimits.maxDataDepth!

export function parseDataFile(bundle: string, path: string, bytes: Uint8Array): unknown {
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

/** The data document of the data files `files` (path → bytes) of bundle `name`, whose roots are `roots`. */
export function buildDataDocument(
  name: string,
  files: Iterable<readonly [string, Uint8Array]>,
  roots: readonly string[],
): DataDocument {
  const data: DataDocument = {}
  const sorted = [...files]
    .filter(([path]) => isDataFile(path))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  for (const [path, bytes] of sorted) {
    const segments = path.split('/').slice(1, -1)
    placeData(name, path, data, segments, parseDataFile(name, path, bytes))
  }
  assertDataInsideRoots(name, data, roots)
  return data
}
