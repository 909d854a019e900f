import { execFile } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { policyRevision } from '../../../engine/build/revision.js'

const run = promisify(execFile)

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
    cwd,
  })
  return stdout.trim()
}

describe('policyRevision', () => {
  it('is the git commit, marked -dirty once the policy folder changes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rev-'))
    await git(dir, 'init', '-q')
    await writeFile(join(dir, 'p.rego'), 'package p\n')
    await git(dir, 'add', '.')
    await git(dir, 'commit', '-qm', 'first')
    const commit = await git(dir, 'rev-parse', 'HEAD')
    expect(await policyRevision(dir)).toBe(commit)
    await writeFile(join(dir, 'q.rego'), 'package q\n')
    expect(await policyRevision(dir)).toBe(`${commit}-dirty`)
  })

  it('falls back to a content hash outside git', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rev-'))
    await writeFile(join(dir, 'p.rego'), 'package p\n')
    const first = await policyRevision(dir)
    expect(first).toMatch(/^sha256-[0-9a-f]{16}$/)
    await writeFile(join(dir, 'p.rego'), 'package p2\n')
    expect(await policyRevision(dir)).not.toBe(first)
  })
})
