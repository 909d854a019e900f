// Compiles test/fixtures/<name>/ with the real, pinned opa (through clearance's own build) into a temporary
// bundle, once per test file.
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildBundle, type EntrypointSelection } from '../../engine/build/build-bundle.js'

const FIXTURES = join(import.meta.dirname, '..', 'fixtures')
let workDir: Promise<string> | undefined

export function fixtureDir(name: string): string {
  return join(FIXTURES, name)
}

export async function tempDir(): Promise<string> {
  workDir ??= mkdtemp(join(tmpdir(), 'clearance-test-'))
  return workDir
}

/** Builds fixture `name` into `<tmp>/<name>.tar.gz` with revision `rev-<name>` unless given. */
export async function buildFixture(
  name: string,
  revision = `rev-${name}`,
  entrypoints?: EntrypointSelection,
): Promise<string> {
  const output = join(await tempDir(), `${name}-${String(entrypoints ?? 'all')}.tar.gz`)
  await buildBundle({ source: fixtureDir(name), output, revision, entrypoints })
  return output
}
