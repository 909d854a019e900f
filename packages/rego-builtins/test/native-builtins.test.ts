import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { opaModuleDir } from '../conformance/index.js'
import { nativeBuiltinNames } from '../src/index.js'

function opaNativeTable(opaDir: string): string[] {
  const wasmGo = readFileSync(join(opaDir, 'internal/compiler/wasm/wasm.go'), 'utf8')
  const table = /var builtinsFunctions = map\[string\]string\{([\s\S]*?)\n\}/.exec(wasmGo)?.[1] ?? ''
  const identifiers = [...table.matchAll(/ast\.(\w+)\.Name/g)].map((m) => m[1] as string)
  const builtinsGo = readFileSync(join(opaDir, 'v1/ast/builtins.go'), 'utf8')
  const names = identifiers.map((id) => {
    const m = new RegExp(`^var ${id} = &Builtin\\{\\s*Name:\\s*"([^"]+)"`, 'm').exec(builtinsGo)
    if (m === null) throw new Error(`cannot find ast.${id} in v1/ast/builtins.go`)
    return m[1] as string
  })
  // eq and assign are planned away (IsWasmEnabled).
  return [...new Set([...names, 'eq', 'assign'])].sort()
}

describe('native builtin table', () => {
  it("mirrors the wasm compiler's builtinsFunctions table of the pinned OPA", () => {
    expect([...nativeBuiltinNames].sort()).toEqual(opaNativeTable(opaModuleDir()))
  })
})
