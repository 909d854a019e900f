// Clearance's own version, read once from its package.json.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The folder holding Clearance's package.json, from source (engine/) or build output (dist/engine/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }
      if (pkg.name === 'clearance') return dir
    } catch {
      // not here; keep climbing
    }
    const parent = dirname(dir)
    if (parent === dir) throw new Error('cannot find the clearance package root')
    dir = parent
  }
}

export const VERSION: string = (
  JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }
).version
