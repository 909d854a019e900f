// The revision stamped into a bundle's manifest: the git commit of the policy folder, marked "-dirty" when the
// folder has uncommitted changes; outside git, a content hash of the sources.
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

async function contentHash(dir: string): Promise<string> {
  const hash = createHash('sha256')
  const walk = async (current: string): Promise<void> => {
    const entries = (await readdir(current, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    )
    for (const entry of entries) {
      const full = join(current, entry.name)
      if (entry.isDirectory()) await walk(full)
      else if (entry.isFile())
        hash
          .update(relative(dir, full))
          .update('\0')
          .update(await readFile(full))
    }
  }
  await walk(dir)
  return hash.digest('hex').slice(0, 16)
}

export async function policyRevision(dir: string): Promise<string> {
  try {
    const { stdout: commit } = await run('git', ['rev-parse', 'HEAD'], { cwd: dir })
    const { stdout: status } = await run(
      'git',
      ['status', '--porcelain', '--untracked-files=all', '--', '.'],
      { cwd: dir },
    )
    return `${commit.trim()}${status.trim() === '' ? '' : '-dirty'}`
  } catch {
    return `sha256-${await contentHash(dir)}`
  }
}
