// Token file lines with scopes, and the scope each route needs.
import { describe, expect, it } from 'vitest'
import { parseTokenFile, scopeOf } from '../../../../engine/server/middleware/token-scopes.js'

describe('parseTokenFile', () => {
  it('reads tokens with and without scopes, skipping comments and blank lines', () => {
    const tokens = parseTokenFile('# tokens\nplain\n\n  reader read \nboth decide,read\nroot admin\n')
    expect(tokens.map(({ token, scopes }) => [token, scopes && [...scopes]])).toEqual([
      ['plain', undefined],
      ['reader', ['read']],
      ['both', ['decide', 'read']],
      ['root', ['admin']],
    ])
  })

  it('refuses an unknown scope or extra words, naming the line and not the token', () => {
    expect(() => parseTokenFile('ok\nsecret-token deicde')).toThrow(/line 2: unknown scope "deicde"/)
    expect(() => parseTokenFile('secret-token read extra')).toThrow(/line 1: expected/)
    expect(() => parseTokenFile('secret-token read extra')).not.toThrow(/secret-token/)
  })
})

describe('scopeOf', () => {
  it.each([
    ['GET', '/health', 'read'],
    ['GET', '/health/ready', 'read'],
    ['GET', '/v1/status', 'read'],
    ['GET', '/metrics', 'read'],
    ['GET', '/v1/policies/x', 'read'],
    ['GET', '/ui/api/map', 'read'],
    ['GET', '/v1/data/a/b', 'decide'],
    ['POST', '/v1/data/a/b', 'decide'],
    ['POST', '/v1/check', 'decide'],
    ['POST', '/access/v1/evaluation', 'decide'],
    ['POST', '/v1/status', 'decide'],
    ['PUT', '/v1/policies/x', 'admin'],
    ['DELETE', '/v1/data/a', 'admin'],
  ])('%s %s needs %s', (method, path, scope) => {
    expect(scopeOf(method, path)).toBe(scope)
  })
})
