import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { builtinCaller } from '../helpers/call-builtin.js'

// Certificates are made at test time with the openssl CLI: a root CA, an intermediate and a server leaf.
const dir = mkdtempSync(join(tmpdir(), 'clearance-x509-'))
const file = (name: string) => join(dir, name)
const openssl = (...args: string[]) =>
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
const read = (name: string) => readFileSync(file(name), 'utf8')

const call = builtinCaller()
let root = ''
let intermediate = ''
let leaf = ''

beforeAll(() => {
  writeFileSync(
    file('ext.cnf'),
    [
      '[ca]',
      'basicConstraints = critical,CA:TRUE',
      'keyUsage = critical,keyCertSign,cRLSign',
      '[leaf]',
      'basicConstraints = CA:FALSE',
      'keyUsage = critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage = serverAuth',
      'subjectAltName = DNS:api.example.com,IP:10.0.0.7,URI:spiffe://example.org/api',
      '',
    ].join('\n'),
  )
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'root.key',
    '-out',
    'root.crt',
    '-days',
    '30',
    '-subj',
    '/CN=Test Root/O=Clearance',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  )
  openssl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'inter.key',
    '-out',
    'inter.csr',
    '-subj',
    '/CN=Test Intermediate',
  )
  openssl(
    'x509',
    '-req',
    '-in',
    'inter.csr',
    '-CA',
    'root.crt',
    '-CAkey',
    'root.key',
    '-set_serial',
    `0x${randomBytes(8).toString('hex')}`,
    '-out',
    'inter.crt',
    '-days',
    '30',
    '-extfile',
    'ext.cnf',
    '-extensions',
    'ca',
  )
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'leaf.key',
    '-out',
    'leaf.csr',
    '-subj',
    '/CN=api.example.com',
  )
  openssl(
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'inter.crt',
    '-CAkey',
    'inter.key',
    '-set_serial',
    `0x${randomBytes(8).toString('hex')}`,
    '-out',
    'leaf.crt',
    '-days',
    '30',
    '-extfile',
    'ext.cnf',
    '-extensions',
    'leaf',
  )
  root = read('root.crt')
  intermediate = read('inter.crt')
  leaf = read('leaf.crt')
})

describe('crypto.x509', () => {
  it("parses certificates into Go's x509.Certificate fields", () => {
    const [cert] = call('crypto.x509.parse_certificates', leaf) as Array<Record<string, unknown>>
    expect(cert).toMatchObject({
      Subject: { CommonName: 'api.example.com', Names: [{ Type: [2, 5, 4, 3], Value: 'api.example.com' }] },
      Issuer: { CommonName: 'Test Intermediate' },
      DNSNames: ['api.example.com'],
      IPAddresses: ['10.0.0.7'],
      URIStrings: ['spiffe://example.org/api'],
      ExtKeyUsage: [1],
      KeyUsage: 5,
      IsCA: false,
      BasicConstraintsValid: true,
      PublicKeyAlgorithm: 1,
      SignatureAlgorithm: 10,
      Version: 3,
    })
    expect(cert?.NotAfter).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    expect(typeof cert?.SerialNumber === 'bigint' || typeof cert?.SerialNumber === 'number').toBe(true)
  })

  it('accepts PEM, base64 of PEM and base64 of DER', () => {
    const der = execFileSync('openssl', ['x509', '-in', file('root.crt'), '-outform', 'DER'])
    for (const input of [root, Buffer.from(root).toString('base64'), der.toString('base64')]) {
      expect(
        (call('crypto.x509.parse_certificates', input) as Array<{ Subject: { Organization: string[] } }>)[0]
          ?.Subject.Organization,
      ).toEqual(['Clearance'])
    }
  })

  it('verifies a root-first chain and returns it leaf first', () => {
    const [valid, chain] = call('crypto.x509.parse_and_verify_certificates', root + intermediate + leaf) as [
      boolean,
      Array<{ Subject: { CommonName: string } }>,
    ]
    expect(valid).toBe(true)
    expect(chain.map((c) => c.Subject.CommonName)).toEqual([
      'api.example.com',
      'Test Intermediate',
      'Test Root',
    ])
  })

  it('refuses a chain missing its intermediate, or checked for another name or usage', () => {
    expect(call('crypto.x509.parse_and_verify_certificates', root + leaf)).toEqual([false, []])
    const chain = root + intermediate + leaf
    const withOptions = (options: object) =>
      call('crypto.x509.parse_and_verify_certificates_with_options', chain, options)
    expect((withOptions({ DNSName: 'api.example.com' }) as unknown[])[0]).toBe(true)
    expect(withOptions({ DNSName: 'other.example.com' })).toEqual([false, []])
    expect(withOptions({ KeyUsages: ['KeyUsageClientAuth'] })).toEqual([false, []])
    expect(withOptions({ KeyUsages: ['KeyUsageNope'] })).toBeUndefined()
  })

  it('parses certificate requests, key pairs and private keys', () => {
    expect(
      (call('crypto.x509.parse_certificate_request', read('leaf.csr')) as { Subject: { CommonName: string } })
        .Subject.CommonName,
    ).toBe('api.example.com')
    const pair = call('crypto.x509.parse_keypair', leaf, read('leaf.key')) as {
      Certificate: string[]
      Leaf: { DNSNames: string[] }
    }
    expect(pair.Leaf.DNSNames).toEqual(['api.example.com'])
    expect(pair.Certificate[0]).toMatch(/^MII/)
    expect(call('crypto.x509.parse_keypair', leaf, read('root.key'))).toBeUndefined()
    expect(call('crypto.x509.parse_rsa_private_key', read('root.key'))).toMatchObject({
      kty: 'RSA',
      e: 'AQAB',
    })
    expect(call('crypto.parse_private_keys', read('leaf.key') + read('inter.key'))).toHaveLength(2)
    expect(call('crypto.parse_private_keys', '')).toBeNull()
  })
})

describe('crypto digests and MACs', () => {
  it('hashes and MACs the UTF-8 bytes, hex-encoded', () => {
    expect(call('crypto.md5', 'héllo')).toBe('be50e8478cf24ff3595bc7307fb91b50')
    expect(call('crypto.sha256', '')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(call('crypto.sha1', 'abc')).toBe('a9993e364706816aba3e25717850c26c9cd0d89d')
    expect(call('crypto.hmac.sha256', 'message', 'key')).toBe(
      '6e9ef29b75fffc5b7abae527d58fdadb2fe42e7219011976917343065f58ed4a',
    )
    expect(call('crypto.hmac.equal', 'abc', 'abc')).toBe(true)
    expect(call('crypto.hmac.equal', 'abc', 'abd')).toBe(false)
  })
})
