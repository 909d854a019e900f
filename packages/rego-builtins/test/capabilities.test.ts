import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { opaModuleDir, pinnedOpaVersion } from '../conformance/index.js'
import {
  compileTimeBuiltinNames,
  hostBuiltinNames,
  nativeBuiltinNames,
  opaWasmBuiltinNames,
} from '../src/index.js'

const root = join(import.meta.dirname, '..', '..', '..')
const capabilitiesFile = join(import.meta.dirname, '..', 'capabilities.json')
const capabilities = JSON.parse(readFileSync(capabilitiesFile, 'utf8')) as {
  builtins: Array<{ name: string }>
  wasm_abi_versions: Array<{ version: number; minor_version: number }>
  features: string[]
  future_keywords: string[]
}
const opa = () => execFileSync(join(root, 'scripts/install-opa.sh'), { encoding: 'utf8' }).trim()

describe('capabilities.json', () => {
  it('lists exactly the builtins Clearance can run: native, opa-wasm, compile-time and host ones', () => {
    const runnable = new Set([
      ...nativeBuiltinNames,
      ...compileTimeBuiltinNames,
      ...opaWasmBuiltinNames(),
      ...hostBuiltinNames(),
    ])
    const listed = capabilities.builtins.map((b) => b.name)
    expect(listed.every((name) => runnable.has(name))).toBe(true)
    expect(hostBuiltinNames().every((name) => listed.includes(name))).toBe(true)
    expect(listed).not.toContain('http.send')
    expect(listed).not.toContain('net.lookup_ip_addr')
  })

  it('targets the wasm ABI the evaluator needs and keeps the language features of the pinned opa', () => {
    const released = JSON.parse(
      readFileSync(join(opaModuleDir(), 'capabilities', `${pinnedOpaVersion()}.json`), 'utf8'),
    ) as typeof capabilities
    expect(capabilities.wasm_abi_versions).toEqual([{ version: 1, minor_version: 2 }])
    expect(capabilities.features).toEqual(released.features)
    expect(capabilities.future_keywords).toEqual(released.future_keywords)
  })

  it('is what scripts/gen-capabilities.mjs generates today', () => {
    const run = spawnSync('npx', ['tsx', 'scripts/gen-capabilities.mjs', '--check'], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(run.stderr).not.toMatch(/out of date/)
    expect(run.status).toBe(0)
  })

  it('makes opa build refuse a policy that calls http.send', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clearance-caps-'))
    writeFileSync(
      join(dir, 'p.rego'),
      'package p\n\nanswer := http.send({"method": "GET", "url": "http://127.0.0.1:9/"})\n',
    )
    const build = spawnSync(
      opa(),
      [
        'build',
        '-t',
        'wasm',
        '-e',
        'p/answer',
        '--capabilities',
        capabilitiesFile,
        '-o',
        join(dir, 'b.tar.gz'),
        dir,
      ],
      { encoding: 'utf8' },
    )
    expect(build.status).not.toBe(0)
    expect(build.stderr + build.stdout).toMatch(/undefined function http\.send/)
  })
})
