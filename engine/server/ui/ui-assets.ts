// The service map page's files, bundled at build time (scripts/build-ui.mjs writes dist/ui/) and read into memory
// once at start-up: the server serves them itself, with no CDN and no network.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ClearanceError, ErrorCodes } from '../../errors.js'

export interface UiAsset {
  body: Uint8Array<ArrayBuffer>
  contentType: string
}

/** File name (e.g. "app.js") → contents. */
export type UiAssets = ReadonlyMap<string, UiAsset>

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
}

/** dist/ui of this checkout or package, from the source tree (engine/server/ui) or the build (dist/engine/…). */
export function defaultUiDir(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [join(here, '..', '..', '..', 'ui'), join(here, '..', '..', '..', 'dist', 'ui')]
  return candidates.find((dir) => existsSync(join(dir, 'app.js'))) ?? candidates[1]!
}

/** Reads the built page; throws config_error when it has not been built. */
export function loadUiAssets(dir: string = defaultUiDir()): UiAssets {
  if (!existsSync(join(dir, 'index.html')) || !existsSync(join(dir, 'app.js'))) {
    throw new ClearanceError(
      ErrorCodes.configError,
      `ui: the service map page is not built (no ${join(dir, 'app.js')}); run npm run build:ts, or serve with --ui off`,
    )
  }
  const assets = new Map<string, UiAsset>()
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)]
    if (type === undefined) continue
    assets.set(name, { body: new Uint8Array(readFileSync(join(dir, name))), contentType: type })
  }
  return assets
}
