// The layout's rules, checked on the import graph (TypeScript's own pre-processor lists each file's imports):
// engine folders are entered through their index.ts (config/defaults.ts, a leaf, is the one file reached past it);
// folders do not import each other in a cycle, type-only imports included; the builtins package imports nothing of
// engine/; the SDK's client and middleware import no engine code; engine reaches the builtins only by package name.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path))
    else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) out.push(path)
  }
  return out
}

/** Every import and re-export of a file: relative ones resolved to repository paths, bare ones as written. */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true)
  return info.importedFiles.map(({ fileName }) =>
    fileName.startsWith('.')
      ? relative(root, resolve(dirname(file), fileName))
          .replace(/\.js$/, '.ts')
          .split(sep)
          .join('/')
      : fileName,
  )
}

const repo = (path: string): string => relative(root, path).split(sep).join('/')
const engineFiles = sourceFiles(join(root, 'engine')).map(repo)
const folderOf = (path: string): string | undefined => {
  const parts = path.split('/')
  return parts[0] === 'engine' && parts.length > 2 ? parts[1] : undefined
}

describe('layout', () => {
  it('enters every engine folder through its index (config/defaults.ts aside)', () => {
    const offenders: string[] = []
    for (const file of engineFiles) {
      for (const target of importsOf(join(root, file))) {
        const folder = folderOf(target)
        if (folder === undefined || folder === folderOf(file)) continue
        if (target === `engine/${folder}/index.ts` || target === 'engine/config/defaults.ts') continue
        offenders.push(`${file} → ${target}`)
      }
    }
    expect(offenders).toEqual([])
  })

  it('has no import cycle between engine folders', () => {
    const edges = new Map<string, Set<string>>()
    for (const file of engineFiles) {
      const from = folderOf(file) ?? file
      for (const target of importsOf(join(root, file))) {
        if (!target.startsWith('engine/') || target === 'engine/config/defaults.ts') continue
        const to = folderOf(target) ?? target
        if (to === from) continue
        if (!edges.has(from)) edges.set(from, new Set())
        edges.get(from)?.add(to)
      }
    }
    const cycles: string[] = []
    const state = new Map<string, 'open' | 'done'>()
    const visit = (node: string, path: string[]): void => {
      if (state.get(node) === 'done') return
      if (state.get(node) === 'open') {
        cycles.push([...path.slice(path.indexOf(node)), node].join(' → '))
        return
      }
      state.set(node, 'open')
      for (const next of edges.get(node) ?? []) visit(next, [...path, node])
      state.set(node, 'done')
    }
    for (const node of edges.keys()) visit(node, [])
    expect(cycles).toEqual([])
  })

  it('keeps the builtins package free of engine code, and engine on its public name', () => {
    const packageFiles = sourceFiles(join(root, 'packages', 'rego-builtins', 'src')).map(repo)
    expect(packageFiles.length).toBeGreaterThan(50)
    const intoEngine = packageFiles.flatMap((file) =>
      importsOf(join(root, file))
        .filter((target) => target.startsWith('engine/') || target.startsWith('sdk/'))
        .map((target) => `${file} → ${target}`),
    )
    expect(intoEngine).toEqual([])
    const intoPackageInternals = engineFiles.flatMap((file) =>
      importsOf(join(root, file))
        .filter((target) => target.startsWith('packages/'))
        .map((target) => `${file} → ${target}`),
    )
    expect(intoPackageInternals).toEqual([])
  })
})
