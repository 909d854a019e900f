// Which files a replay reads: paths as given, and globs (`logs/*.jsonl`, `logs/**/*.gz`) expanded here too, for
// shells that pass them unexpanded (quoted, or no match). Files come sorted, so a replay reads them in a stable
// order and its examples are the same run after run.
import { readdir, stat } from 'node:fs/promises'
import { join, sep } from 'node:path'
import { ClearanceError, ErrorCodes } from '../errors.js'

const GLOB = /[*?[]/

function patternOf(glob: string): RegExp {
  let source = ''
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!
    if (char === '*' && glob[i + 1] === '*') {
      // "**/" matches any number of folders, including none
      source += glob[i + 2] === '/' ? '(?:.*/)?' : '.*'
      i += glob[i + 2] === '/' ? 2 : 1
    } else if (char === '*') source += '[^/]*'
    else if (char === '?') source += '[^/]'
    else source += char.replace(/[.+^${}()|\\\]]/g, '\\$&')
  }
  return new RegExp(`^${source}$`)
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const files: string[] = []
  for (const entry of entries) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) files.push(...(await walk(path)))
    else if (entry.isFile()) files.push(path)
  }
  return files
}

async function expandGlob(glob: string): Promise<string[]> {
  const posix = glob.split(sep).join('/')
  const segments = posix.split('/')
  const fixed: string[] = []
  for (const segment of segments) {
    if (GLOB.test(segment)) break
    fixed.push(segment)
  }
  const root = fixed.length === 0 ? '.' : fixed.join('/') || '/'
  const pattern = patternOf(posix.startsWith('./') ? posix.slice(2) : posix)
  const candidates = await walk(root).catch(() => [])
  return candidates.filter((file) => pattern.test(file.split(sep).join('/').replace(/^\.\//, '')))
}

/** The files named by `patterns`, each once, sorted per pattern. Throws when a pattern names nothing. */
export async function resolveLogFiles(patterns: readonly string[]): Promise<string[]> {
  if (patterns.length === 0) {
    throw new ClearanceError(ErrorCodes.configError, 'no decision logs given: name files or globs to replay')
  }
  const files: string[] = []
  const seen = new Set<string>()
  for (const pattern of patterns) {
    let matched: string[]
    if (GLOB.test(pattern)) matched = (await expandGlob(pattern)).sort()
    else {
      const info = await stat(pattern).catch(() => undefined)
      if (info === undefined) {
        throw new ClearanceError(ErrorCodes.configError, `decision log "${pattern}" does not exist`)
      }
      matched = info.isDirectory() ? (await walk(pattern)).sort() : [pattern]
    }
    if (matched.length === 0) {
      throw new ClearanceError(ErrorCodes.configError, `no decision log matches "${pattern}"`)
    }
    for (const file of matched) {
      if (seen.has(file)) continue
      seen.add(file)
      files.push(file)
    }
  }
  return files
}
