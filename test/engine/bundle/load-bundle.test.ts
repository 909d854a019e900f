import { describe, expect, it } from 'vitest'
import { loadBundle } from '../../../engine/bundle/load-bundle.js'
import { ClearanceError } from '../../../engine/errors.js'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
const files = (entries: Record<string, string>): Map<string, Uint8Array> =>
  new Map(Object.entries(entries).map(([path, text]) => [path, bytes(text)]))

function refusal(run: () => unknown): ClearanceError {
  try {
    run()
  } catch (thrown) {
    expect(thrown).toBeInstanceOf(ClearanceError)
    expect((thrown as ClearanceError).code).toBe('bundle_error')
    return thrown as ClearanceError
  }
  throw new Error('expected a bundle_error')
}

describe('loadBundle', () => {
  it('places each data file at its folder path and reads the manifest', () => {
    const bundle = loadBundle(
      'shop',
      files({
        '/.manifest': '{"revision":"abc","roots":["shop"],"metadata":{"team":"sec"}}',
        '/shop/services/data.json': '{"orders":{"zone":"internal"}}',
        '/shop/data.yaml': 'zones:\n  internal: {}\n',
      }),
    )
    expect(bundle.manifest.revision).toBe('abc')
    expect(bundle.manifest.roots).toEqual(['shop'])
    expect(bundle.data).toEqual({
      shop: { services: { orders: { zone: 'internal' } }, zones: { internal: {} } },
    })
  })

  it('defaults to owning every root when there is no manifest', () => {
    expect(loadBundle('b', files({ '/data.json': '{"a":1}' })).manifest.roots).toEqual([''])
  })

  it('keeps integers beyond 2^53 exact', () => {
    const bundle = loadBundle('b', files({ '/data.json': '{"n":12345678901234567890}' }))
    expect(bundle.data.n).toBe(12345678901234567890n)
  })

  it('refuses data outside the manifest roots', () => {
    const error = refusal(() =>
      loadBundle('b', files({ '/.manifest': '{"roots":["a"]}', '/z/data.json': '{"x":1}' })),
    )
    expect(error.message).toContain('"z"')
    expect(error.message).toContain('outside the manifest roots')
  })

  it('accepts data in a parent folder only where it holds a root', () => {
    const bundle = loadBundle(
      'b',
      files({ '/.manifest': '{"roots":["a/b"]}', '/a/data.json': '{"b":{"x":1}}' }),
    )
    expect(bundle.data).toEqual({ a: { b: { x: 1 } } })
    refusal(() => loadBundle('b', files({ '/.manifest': '{"roots":["a/b"]}', '/a/data.json': '{"c":1}' })))
  })

  it('refuses malformed JSON and names the file', () => {
    expect(refusal(() => loadBundle('b', files({ '/x/data.json': '{nope' }))).message).toContain(
      '/x/data.json',
    )
  })

  it('refuses a malformed manifest', () => {
    refusal(() => loadBundle('b', files({ '/.manifest': '{"roots":"a"}' })))
    refusal(() => loadBundle('b', files({ '/.manifest': '[]' })))
  })

  it('refuses a manifest naming a wasm module the bundle lacks', () => {
    const manifest = '{"wasm":[{"entrypoint":"a/allow","module":"/policy.wasm"}]}'
    expect(refusal(() => loadBundle('b', files({ '/.manifest': manifest }))).message).toContain(
      '/policy.wasm',
    )
  })

  it('refuses Rego without compiled wasm', () => {
    expect(refusal(() => loadBundle('b', files({ '/a.rego': 'package a' }))).message).toContain('policy.wasm')
  })

  it('refuses data files that collide', () => {
    refusal(() => loadBundle('b', files({ '/data.json': '{"a":1}', '/a/data.json': '{"b":1}' })))
  })
})
