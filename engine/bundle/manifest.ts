// The bundle's .manifest, as OPA defines it: revision, roots, wasm modules and their entrypoints, metadata.
import { ClearanceError, ErrorCodes } from '../errors.js'
import { isRecord } from '../json/index.js'

export interface WasmResolver {
  entrypoint: string
  module: string
}

export interface Manifest {
  revision: string
  roots: string[]
  wasm: WasmResolver[]
  metadata: Record<string, unknown>
  regoVersion: number | undefined
}

function invalid(message: string): ClearanceError {
  return new ClearanceError(ErrorCodes.bundleError, `bundle .manifest is invalid: ${message}`)
}

/** Normalises a root or entrypoint path to "a/b" (no leading or trailing slash). */
export function normalizeDocPath(path: string): string {
  return path.replace(/^\/+|\/+$/g, '')
}

/** Parses .manifest JSON; a bundle without one owns every root, as in OPA. */
export function parseManifest(raw: unknown | undefined): Manifest {
  if (raw === undefined) return { revision: '', roots: [''], wasm: [], metadata: {}, regoVersion: undefined }
  if (!isRecord(raw)) throw invalid('not a JSON object')
  const { revision = '', roots = [''], wasm = [], metadata = {} } = raw
  if (typeof revision !== 'string') throw invalid('"revision" must be a string')
  if (!Array.isArray(roots) || roots.some((root) => typeof root !== 'string')) {
    throw invalid('"roots" must be a list of strings')
  }
  if (!Array.isArray(wasm)) throw invalid('"wasm" must be a list')
  const resolvers = wasm.map((item, index): WasmResolver => {
    if (!isRecord(item) || typeof item.entrypoint !== 'string' || typeof item.module !== 'string') {
      throw invalid(`"wasm"[${index}] needs string "entrypoint" and "module"`)
    }
    return { entrypoint: normalizeDocPath(item.entrypoint), module: item.module }
  })
  if (!isRecord(metadata)) throw invalid('"metadata" must be an object')
  const regoVersion = typeof raw.rego_version === 'number' ? raw.rego_version : undefined
  return {
    revision,
    roots: (roots as string[]).map(normalizeDocPath),
    wasm: resolvers,
    metadata,
    regoVersion,
  }
}
