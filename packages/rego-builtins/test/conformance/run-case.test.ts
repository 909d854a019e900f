import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { CompiledCase } from '../../conformance/case-manifest.js'
import type { ConformancePolicy, PolicyLoader } from '../../conformance/index.js'
import { runCase } from '../../conformance/run-case.js'

const wasm = join(mkdtempSync(join(tmpdir(), 'clearance-run-case-')), 'policy.wasm')
writeFileSync(wasm, new Uint8Array([0, 97, 115, 109]))

function compiled(fields: Partial<CompiledCase>): CompiledCase {
  return { key: 'k', note: 'n', query: 'data.p.x', wasm, ...fields }
}

/** A loader whose one entrypoint answers `evaluate` with the given text (or throws it when it is an Error). */
function fakeLoader(answer: string | Error, seen: unknown[] = []): PolicyLoader {
  return {
    async load(wasmBytes, data, options) {
      seen.push({ wasmBytes, data: new TextDecoder().decode(data), builtins: options.builtins })
      const policy: ConformancePolicy = {
        entrypoints: new Map([['p/x', 0]]),
        evaluate: () => {
          if (answer instanceof Error) throw answer
          return answer
        },
      }
      return policy
    },
  }
}

describe('runCase', () => {
  it("passes a case whose result set the injected loader's policy returns, giving it the data and the builtins", async () => {
    const seen: Array<{ data: string; builtins: Record<string, unknown> }> = []
    const outcome = await runCase(
      compiled({ data: '{"a":1}', wantResult: [{ x: [1, 2] }] }),
      fakeLoader('[{"x":[1,2]}]', seen),
    )
    expect(outcome).toEqual({ status: 'passed' })
    expect(seen[0]?.data).toBe('{"a":1}')
    expect(typeof seen[0]?.builtins['time.now_ns']).toBe('function')
    expect(typeof seen[0]?.builtins['test.sleep']).toBe('function')
  })

  it('tells a difference in set order apart from a wrong result', async () => {
    const outcome = await runCase(compiled({ wantResult: [{ x: [1, 2] }] }), fakeLoader('[{"x":[2,1]}]'))
    expect(outcome).toMatchObject({ status: 'failed', category: 'set order' })
  })

  it('passes an eval_conflict_error case only when the evaluation fails with a conflict', async () => {
    const conflict = compiled({ wantErrorCode: 'eval_conflict_error' })
    expect(await runCase(conflict, fakeLoader(new Error('var assignment conflict')))).toEqual({
      status: 'passed',
    })
    expect(await runCase(conflict, fakeLoader('[]'))).toMatchObject({
      status: 'failed',
      category: 'missing error',
    })
  })
})
