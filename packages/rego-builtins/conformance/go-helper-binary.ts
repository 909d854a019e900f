// Builds the Go compile helper once per source version into .tools/conformance-helper/<hash>/, so later runs
// (and the CI sample test) start it without a `go build`. The first build compiles OPA and takes a few minutes
// on a cold Go build cache.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { helperDir } from './opa-source.js'

const SOURCES = ['go.mod', 'go.sum', 'main.go']

export function ensureGoHelper(projectRoot: string): string {
  const hash = createHash('sha256')
  for (const f of SOURCES) hash.update(f).update(readFileSync(join(helperDir, f)))
  const parent = join(projectRoot, '.tools', 'conformance-helper')
  const version = hash.digest('hex').slice(0, 16)
  const dir = join(parent, version)
  const binary = join(dir, 'go-helper')
  if (existsSync(binary)) return binary
  // Builds of older helper sources are of no further use.
  if (existsSync(parent)) {
    for (const old of readdirSync(parent))
      if (old !== version) rmSync(join(parent, old), { recursive: true, force: true })
  }
  mkdirSync(dir, { recursive: true })
  const tmp = `${binary}.${process.pid}.tmp`
  execFileSync('go', ['build', '-o', tmp, '.'], { cwd: helperDir, stdio: ['ignore', 'inherit', 'inherit'] })
  renameSync(tmp, binary)
  return binary
}
