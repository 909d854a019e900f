// The cases as the Go helper reports them: listed (key and note only) or compiled (everything needed to
// evaluate one and judge the result, with the path of its wasm module or the compile error).
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseJson } from '../src/values/index.js'

export interface ListedCase {
  key: string
  note: string
  /** The reason OPA's wasm harness skips this case, when it does. */
  exception?: string
}

export interface CompiledCase {
  key: string
  note: string
  exception?: string
  /** Refused builtins the case's modules or query mention. */
  mentions?: string[]
  query: string
  wasm?: string
  compileError?: string
  /** JSON text of the data document. */
  data?: string
  /** Input as Rego value text (sets allowed) or JSON text. */
  input?: string
  wantDefined?: boolean
  wantResult?: Array<Record<string, unknown>>
  wantErrorCode?: string
  wantError?: string
  sortBindings?: boolean
  strictError?: boolean
}

function jsonLines<T>(text: string): T[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => parseJson(line) as T)
}

export function listCases(helper: string, casesDir: string, exceptions?: string): ListedCase[] {
  const args = ['list', '-cases', casesDir]
  if (exceptions !== undefined) args.push('-exceptions', exceptions)
  const out = execFileSync(helper, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
  return jsonLines<ListedCase>(out)
}

export interface CompileOptions {
  helper: string
  casesDir: string
  capabilities: string
  /** Scratch directory for the manifest and the wasm modules. */
  workDir: string
  /** Case keys to compile; all when undefined. */
  only?: readonly string[]
  /** OPA's wasm exceptions file, so compiled cases carry their exception reason. */
  exceptions?: string
  /** Builtin names whose mention in a case the manifest records. */
  mentions?: readonly string[]
}

export function compileCases(options: CompileOptions): CompiledCase[] {
  const manifest = join(options.workDir, 'manifest.jsonl')
  const args = [
    'compile',
    '-cases',
    options.casesDir,
    '-capabilities',
    options.capabilities,
    '-cache',
    join(options.workDir, 'wasm'),
    '-out',
    manifest,
  ]
  if (options.exceptions !== undefined) args.push('-exceptions', options.exceptions)
  if (options.mentions !== undefined) args.push('-mentions', options.mentions.join(','))
  if (options.only !== undefined) {
    const selection = join(options.workDir, 'selection.txt')
    writeFileSync(selection, `${options.only.join('\n')}\n`)
    args.push('-only', selection)
  }
  execFileSync(options.helper, args, { stdio: ['ignore', 'inherit', 'inherit'] })
  return jsonLines<CompiledCase>(readFileSync(manifest, 'utf8'))
}
