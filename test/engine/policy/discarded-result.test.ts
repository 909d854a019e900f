// An evaluation run for its errors alone (the activation's smoke check): the result is not written out, so a rule
// whose value is the whole data document takes no heap for it, while its errors still surface.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildBundle } from '../../../engine/build/build-bundle.js'
import { type Bundle, loadBundleFromPath } from '../../../engine/bundle/index.js'
import { ClearanceError } from '../../../engine/errors.js'
import { encodeJson } from '../../../engine/json/json-codec.js'
import { createPolicySet } from '../../../engine/policy/policy-set.js'
import { discardedEntrypoint, loadWasmPolicy, type WasmPolicy } from '../../../engine/policy/wasm-policy.js'
import { tempDir } from '../../helpers/fixtures.js'

const POLICY = `package dump

# METADATA
# entrypoint: true
everything := data.catalog

# METADATA
# entrypoint: true
answer := input.a if input.a == input.b

# METADATA
# entrypoint: true
conflict := input.a

conflict := input.b
`

// about 400 KB of JSON: writing it out takes more heap than the few pages left free below
const catalog = Object.fromEntries(
  Array.from({ length: 10_000 }, (_, i) => [`service-${i}`, { zone: 'internal', owner: `team-${i % 7}` }]),
)
const data = encodeJson({ catalog })
const PAGE = 64 * 1024

describe('evaluations whose result is discarded', () => {
  let bundle: Bundle
  /** An instance whose memory holds the data with at most `spare` bytes more. */
  let tight: WasmPolicy
  const id = (policy: WasmPolicy, name: string): number => policy.entrypoints.get(`dump/${name}`)!

  beforeAll(async () => {
    const source = await mkdtemp(join(await tempDir(), 'dump-'))
    await mkdir(join(source, 'dump'))
    await writeFile(join(source, 'dump', 'dump.rego'), POLICY)
    const output = join(source, 'dump.tar.gz')
    await buildBundle({ source, output, revision: 'rev-dump' })
    bundle = await loadBundleFromPath('dump', output)
    // the fewest pages (in steps of 4) the data loads into, and 4 more
    for (let pages = 8; ; pages += 4) {
      try {
        tight = await loadWasmPolicy(bundle.modules[0]!.bytes, data, {
          initialMemoryPages: 2,
          maxMemoryPages: pages + 4,
        })
        await loadWasmPolicy(bundle.modules[0]!.bytes, data, { initialMemoryPages: 2, maxMemoryPages: pages })
        break
      } catch {
        expect(pages).toBeLessThan(2000)
      }
    }
  }, 120_000)

  it('evaluates a rule whose value is the whole catalog without the heap writing it out would take', () => {
    const input = encodeJson({})
    // written out, the catalog does not fit in the pages left
    expect(() => tight.evaluate(id(tight, 'everything'), input)).toThrow(ClearanceError)
    expect(tight.evaluate(discardedEntrypoint(id(tight, 'everything')), input)).toBe('[]')
    // the instance still answers in full
    expect(tight.evaluate(id(tight, 'answer'), encodeJson({ a: 1, b: 1 }))).toBe('[{"result":1}]')
    expect(data.byteLength).toBeGreaterThan(4 * PAGE)
  })

  it('fails as the same evaluation written out fails (a conflict: internal_error, as OPA answers it)', () => {
    const failure = (entrypoint: number): ClearanceError => {
      try {
        tight.evaluate(entrypoint, encodeJson({ a: 1, b: 2 }))
      } catch (thrown) {
        return thrown as ClearanceError
      }
      throw new Error('the evaluation did not fail')
    }
    const full = failure(id(tight, 'conflict'))
    const discarded = failure(discardedEntrypoint(id(tight, 'conflict')))
    expect(discarded).toBeInstanceOf(ClearanceError)
    expect(discarded.message).toMatch(/conflict/)
    expect([discarded.code, discarded.message]).toEqual([full.code, full.message])
  })

  it.each([
    ['on the calling thread', undefined],
    ['on evaluation threads', 1000],
  ])(
    'is undefined through a policy set %s, and rejects as the full evaluation does',
    async (_where, timeout) => {
      const set = await createPolicySet([bundle], { evaluationTimeoutMs: timeout })
      try {
        const discard = { discardResult: true }
        expect(await set.evaluate('dump/everything', encodeJson({}), discard)).toEqual({ defined: false })
        expect(await set.evaluate('dump/answer', encodeJson({ a: 2, b: 2 }))).toEqual({
          defined: true,
          json: '2',
        })
        const failure = (options?: { discardResult: boolean }) =>
          set
            .evaluate('dump/conflict', encodeJson({ a: 1, b: 2 }), options)
            .catch((thrown: unknown) => thrown)
        const full = (await failure()) as ClearanceError
        const discarded = (await failure(discard)) as ClearanceError
        expect(discarded).toBeInstanceOf(ClearanceError)
        expect([discarded.code, discarded.message]).toEqual([full.code, full.message])
      } finally {
        set.close()
      }
    },
    60_000,
  )
})
