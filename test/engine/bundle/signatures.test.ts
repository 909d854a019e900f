import { generateKeyPairSync } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CompactSign } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadVerifiedBundle } from '../../../engine/bundle/index.js'
import { goJsonString, hashBundleFile } from '../../../engine/bundle/signature-hash.js'
import { verifyBundleSignatures } from '../../../engine/bundle/signatures.js'
import {
  type BundleVerifier,
  createBundleVerifier,
  globToRegExp,
  type VerificationConfig,
  verificationFromFlags,
} from '../../../engine/bundle/verification-config.js'
import { ClearanceError } from '../../../engine/errors.js'
import { tempDir } from '../../helpers/fixtures.js'
import {
  buildSignedFixture,
  type Files,
  readArchive,
  type SigningKeys,
  signingKeys,
} from '../activation/support/bundle-kit.js'

const text = (value: string): Uint8Array => Buffer.from(value)

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(ClearanceError)
  expect((error as ClearanceError).code).toBe('bundle_error')
  return (error as ClearanceError).message
}

function verifier(keys: VerificationConfig['keys'], extra: Partial<VerificationConfig> = {}): BundleVerifier {
  return createBundleVerifier({ keys, ...extra })
}

/** Signs `files` as opa does, with jose: one JWT over the list of file digests. */
async function signLikeOpa(
  files: Files,
  key: Parameters<CompactSign['sign']>[0],
  header: { alg: string; kid?: string },
  claims: Record<string, unknown> = {},
): Promise<Map<string, Uint8Array>> {
  const listed = [...files]
    .filter(([path]) => path !== '/.signatures.json')
    .map(([path, bytes]) => ({
      name: path.slice(1),
      hash: hashBundleFile(path, bytes, 'SHA-256'),
      algorithm: 'SHA-256',
    }))
  const token = await new CompactSign(text(JSON.stringify({ files: listed, ...claims })))
    .setProtectedHeader(header)
    .sign(key)
  const signed = new Map(files)
  signed.set('/.signatures.json', text(JSON.stringify({ signatures: [token], plugin: '_default' })))
  return signed
}

describe('signed bundles', () => {
  let rsa: SigningKeys
  let ec: SigningKeys
  let attacker: SigningKeys
  let rsaSigned: Files
  let ecSigned: Files
  let hmacSigned: Files
  let trickyData: Files

  beforeAll(async () => {
    rsa = await signingKeys('rsa', 'rsa')
    ec = await signingKeys('ec', 'ec')
    attacker = await signingKeys('rsa', 'attacker')
    rsaSigned = await readArchive(await buildSignedFixture('team-b', 'rsa.tar.gz', { key: rsa.privateFile }))
    ecSigned = await readArchive(
      await buildSignedFixture('team-b', 'ec.tar.gz', { key: ec.privateFile, alg: 'ES256', keyId: 'ec-key' }),
    )
    hmacSigned = await readArchive(
      await buildSignedFixture('team-b', 'hmac.tar.gz', {
        key: 'correct horse battery staple',
        alg: 'HS256',
      }),
    )
    trickyData = await readArchive(
      await buildSignedFixture('signed-data', 'tricky.tar.gz', { key: rsa.privateFile }),
    )
  })

  describe('accepts what opa signed', () => {
    it('verifies an RS256 bundle with its public key and drops .signatures.json from the files', async () => {
      const files = await verifyBundleSignatures(
        'b',
        rsaSigned,
        verifier({ default: { algorithm: 'RS256', key: rsa.publicPem } }),
      )
      expect(files.has('/.signatures.json')).toBe(false)
      expect(files.has('/policy.wasm')).toBe(true)
    })

    it('verifies ES256 and HS256 bundles', async () => {
      await verifyBundleSignatures(
        'b',
        ecSigned,
        verifier({ 'ec-key': { algorithm: 'ES256', key: ec.publicPem } }),
      )
      await verifyBundleSignatures(
        'b',
        hmacSigned,
        verifier({ default: { algorithm: 'HS256', key: 'correct horse battery staple' } }),
      )
    })

    it('hashes JSON data in OPA canonical form: escapes, non-ASCII keys, exotic numbers, HTML characters', async () => {
      const bundle = await loadVerifiedBundle(
        'tricky',
        trickyData,
        verifier({ default: { algorithm: 'RS256', key: rsa.publicPem } }),
      )
      expect(bundle.manifest.revision).toBe('signed-signed-data')
    })

    it('still verifies JSON data rewritten with other whitespace and key order', async () => {
      const files = new Map(trickyData)
      const original = JSON.parse(Buffer.from(files.get('/data.json')!).toString()) as {
        signed: Record<string, unknown>
      }
      const reordered = Object.fromEntries(Object.entries(original.signed).reverse())
      // Keeps every number's text exactly: only whitespace and key order change.
      const raw = Buffer.from(files.get('/data.json')!).toString()
      const numbers = raw.slice(
        raw.indexOf('"numbers":') + 10,
        raw.indexOf(']', raw.indexOf('"numbers":')) + 1,
      )
      reordered.numbers = '__NUMBERS__'
      const rewritten = JSON.stringify({ signed: reordered }, null, 3).replace('"__NUMBERS__"', numbers)
      files.set('/data.json', text(rewritten))
      await verifyBundleSignatures(
        'b',
        files,
        verifier({ default: { algorithm: 'RS256', key: rsa.publicPem } }),
      )
    })

    it('skips files matching exclude_files patterns', async () => {
      const files = new Map(rsaSigned)
      files.set('/notes/readme.md', text('not signed'))
      await verifyBundleSignatures(
        'b',
        files,
        verifier({ default: { algorithm: 'RS256', key: rsa.publicPem } }, { excludeFiles: ['notes/*.md'] }),
      )
    })
  })

  describe('refuses', () => {
    const rsaVerifier = (): BundleVerifier =>
      verifier({ default: { algorithm: 'RS256', key: rsa.publicPem } })

    it('a stripped signature when verification is configured', async () => {
      const stripped = new Map(rsaSigned)
      stripped.delete('/.signatures.json')
      expect(await refusal(verifyBundleSignatures('b', stripped, rsaVerifier()))).toContain(
        'bundle missing .signatures.json file',
      )
    })

    it('an unsigned bundle whatever key id the configuration pins or leaves open', async () => {
      const stripped = new Map(rsaSigned)
      stripped.delete('/.signatures.json')
      for (const keyId of [undefined, 'default']) {
        const open = verifier({ default: { algorithm: 'RS256', key: rsa.publicPem } }, { keyId })
        await refusal(verifyBundleSignatures('b', stripped, open))
      }
      // An empty signatures document is no signature either.
      const empty = new Map(stripped)
      empty.set('/.signatures.json', text('{}'))
      await refusal(verifyBundleSignatures('b', empty, rsaVerifier()))
    })

    it('a signed bundle when no verification is configured, as OPA does', async () => {
      expect(await refusal(verifyBundleSignatures('b', rsaSigned, undefined))).toContain(
        'verification key not provided',
      )
    })

    it('a bundle signed with another key', async () => {
      const wrong = verifier({ default: { algorithm: 'RS256', key: attacker.publicPem } })
      expect(await refusal(verifyBundleSignatures('b', rsaSigned, wrong))).toContain(
        'failed to verify JWT signature',
      )
    })

    it('a file modified after signing', async () => {
      const modified = new Map(rsaSigned)
      modified.set('/data.json', text('{"team_b":{"limits":{"max":700}}}'))
      expect(await refusal(verifyBundleSignatures('b', modified, rsaVerifier()))).toContain(
        'data.json: digest mismatch',
      )
      const wasm = new Map(rsaSigned)
      const bytes = Buffer.from(wasm.get('/policy.wasm')!)
      bytes[bytes.length - 1] = bytes.at(-1)! ^ 0xff
      wasm.set('/policy.wasm', bytes)
      expect(await refusal(verifyBundleSignatures('b', wasm, rsaVerifier()))).toContain(
        'policy.wasm: digest mismatch',
      )
    })

    it('a file added after signing, and a signed file that is missing', async () => {
      const added = new Map(rsaSigned)
      added.set('/team_b/extra/data.json', text('{"x":1}'))
      expect(await refusal(verifyBundleSignatures('b', added, rsaVerifier()))).toContain(
        'not included in bundle signature',
      )
      const missing = new Map(rsaSigned)
      missing.delete('/data.json')
      expect(await refusal(verifyBundleSignatures('b', missing, rsaVerifier()))).toContain(
        'specified in bundle signatures but not found',
      )
    })

    it('a token whose kid names a key that is not configured, or that the attacker signed', async () => {
      const forged = await signLikeOpa(rsaSigned, await importPrivate(attacker.privatePem), {
        alg: 'RS256',
        kid: 'attacker',
      })
      expect(await refusal(verifyBundleSignatures('b', forged, rsaVerifier()))).toContain(
        'verification key corresponding to ID attacker not found',
      )
      // Pinned key id: the token's kid is ignored, and the attacker's signature fails against the real key.
      const pinned = verifier({ default: { algorithm: 'RS256', key: rsa.publicPem } }, { keyId: 'default' })
      expect(await refusal(verifyBundleSignatures('b', forged, pinned))).toContain('failed to verify')
    })

    it('a token that names another algorithm than the key is configured for (HS256 with the public key)', async () => {
      const confused = await signLikeOpa(rsaSigned, text(rsa.publicPem), { alg: 'HS256', kid: 'default' })
      expect(await refusal(verifyBundleSignatures('b', confused, rsaVerifier()))).toContain(
        'failed to verify JWT signature',
      )
    })

    it('a scope that does not match', async () => {
      const scoped = verifier({ default: { algorithm: 'RS256', key: rsa.publicPem } }, { scope: 'write' })
      expect(await refusal(verifyBundleSignatures('b', rsaSigned, scoped))).toContain('scope mismatch')
    })

    it('several JWTs, and several signatures files', async () => {
      const token = JSON.parse(Buffer.from(rsaSigned.get('/.signatures.json')!).toString()).signatures[0]
      const two = new Map(rsaSigned)
      two.set('/.signatures.json', text(JSON.stringify({ signatures: [token, token] })))
      expect(await refusal(verifyBundleSignatures('b', two, rsaVerifier()))).toContain('multiple JWTs')
      const files = new Map(rsaSigned)
      files.set('/team_b/.signatures.json', rsaSigned.get('/.signatures.json')!)
      expect(await refusal(verifyBundleSignatures('b', files, rsaVerifier()))).toContain(
        'multiple signatures files',
      )
    })
  })
})

async function importPrivate(pem: string): Promise<import('node:crypto').KeyObject> {
  const { createPrivateKey } = await import('node:crypto')
  return createPrivateKey(pem)
}

describe('verification configuration', () => {
  const rsaPublic = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString()
  const ecPublic = generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString()

  const configError = (run: () => unknown): string => {
    try {
      run()
    } catch (thrown) {
      expect((thrown as ClearanceError).code).toBe('config_error')
      return (thrown as ClearanceError).message
    }
    throw new Error('expected a config_error')
  }

  it('refuses unknown algorithms, unreadable keys, mismatched key types and curves, naming the field', () => {
    expect(configError(() => verifier({ k: { algorithm: 'none', key: 'x' } }))).toContain(
      'verification.keys.k',
    )
    expect(configError(() => verifier({ k: { algorithm: 'RS256', key: 'not pem' } }))).toContain('PEM')
    expect(configError(() => verifier({ k: { algorithm: 'ES256', key: rsaPublic } }))).toContain(
      'cannot verify',
    )
    expect(configError(() => verifier({ k: { algorithm: 'ES256', key: ecPublic } }))).toContain('prime256v1')
    expect(configError(() => verifier({ k: { algorithm: 'HS256', key: '' } }))).toContain('empty')
    expect(configError(() => verifier({}))).toContain('no verification keys')
    expect(
      configError(() => verifier({ k: { algorithm: 'RS256', key: rsaPublic } }, { keyId: 'other' })),
    ).toContain('key id "other" not found')
  })

  it('builds the configuration opa run builds from its flags, pinning key id "default"', async () => {
    const file = join(await tempDir(), 'flags.pub.pem')
    await writeFile(file, rsaPublic)
    const config = verificationFromFlags({ verificationKey: file })
    expect(config?.keyId).toBe('default')
    expect(config?.keys.default?.algorithm).toBe('RS256')
    expect(config?.keys.default?.key).toBe(rsaPublic)
    expect(verificationFromFlags({ verificationKey: 'secret', signingAlg: 'HS512' })?.keys.default?.key).toBe(
      'secret',
    )
    expect(verificationFromFlags({})).toBeUndefined()
    expect(configError(() => verificationFromFlags({ scope: 'x' }))).toContain('--scope')
  })

  it("matches exclude patterns as Go's filepath.Match does", () => {
    expect(globToRegExp('*.md').test('readme.md')).toBe(true)
    expect(globToRegExp('*.md').test('docs/readme.md')).toBe(false)
    expect(globToRegExp('docs/?.json').test('docs/a.json')).toBe(true)
    expect(globToRegExp('[a-c]/data.json').test('b/data.json')).toBe(true)
    expect(globToRegExp('[^a-c]/data.json').test('b/data.json')).toBe(false)
  })
})

describe('canonical JSON strings', () => {
  it("escapes as Go's encoding/json does with HTML escaping off", () => {
    expect(goJsonString('a"b\\c')).toBe('"a\\"b\\\\c"')
    expect(goJsonString('\b\f\n\r\t\u0001\u001f')).toBe('"\\b\\f\\n\\r\\t\\u0001\\u001f"')
    expect(goJsonString('<&> \u007f é 😀')).toBe('"<&> \u007f é 😀"')
    expect(goJsonString('\u2028\u2029')).toBe('"\\u2028\\u2029"')
    expect(goJsonString('lone \ud800 surrogate')).toBe('"lone \ufffd surrogate"')
  })
})
