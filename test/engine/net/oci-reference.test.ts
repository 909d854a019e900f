import { describe, expect, it } from 'vitest'
import { parseBundleSpec } from '../../../engine/activation/index.js'
import { formatOciReference, isLoopbackRegistry, parseOciReference } from '../../../engine/net/index.js'

const DIGEST = `sha256:${'ab'.repeat(32)}`

describe('OCI references', () => {
  it('reads host, port, nested repository and tag', () => {
    expect(parseOciReference('oci://registry.example:5000/policies/authz:v1.2')).toEqual({
      registry: 'registry.example:5000',
      repository: 'policies/authz',
      reference: 'v1.2',
      pinned: false,
    })
  })

  it('reads a digest reference as pinned and writes it back unchanged', () => {
    const location = `oci://127.0.0.1:5000/authz@${DIGEST}`
    const parsed = parseOciReference(location)
    expect(parsed).toMatchObject({ repository: 'authz', reference: DIGEST, pinned: true })
    expect(formatOciReference(parsed)).toBe(location)
  })

  it.each([
    ['oci://host/authz', 'a tag'],
    ['oci://host/Authz:v1', 'repository name'],
    ['oci://host/authz@sha256:abc', 'digest'],
    ['oci:///authz:v1', 'host'],
    ['oci://host/authz:-bad', 'tag'],
  ])('refuses %s naming what is wrong', (location, part) => {
    expect(() => parseOciReference(location)).toThrow(part)
  })

  it('counts only loopback hosts as allowed plain HTTP', () => {
    expect(isLoopbackRegistry(parseOciReference('oci://127.0.0.1:5000/a:v'))).toBe(true)
    expect(isLoopbackRegistry(parseOciReference('oci://localhost:5000/a:v'))).toBe(true)
    expect(isLoopbackRegistry(parseOciReference('oci://[::1]:5000/a:v'))).toBe(true)
    expect(isLoopbackRegistry(parseOciReference('oci://127.0.0.1.example.com/a:v'))).toBe(false)
    expect(isLoopbackRegistry(parseOciReference('oci://registry.example/a:v'))).toBe(false)
  })

  it('names a bundle after the last repository component', () => {
    expect(parseBundleSpec('oci://127.0.0.1:5000/policies/authz:v1')).toEqual({
      name: 'authz',
      path: 'oci://127.0.0.1:5000/policies/authz:v1',
    })
    expect(parseBundleSpec('main=oci://127.0.0.1:5000/policies/authz:v1').name).toBe('main')
  })
})
