// Issue #8's done-when, end to end: the jwt-x509 fixture (io.jwt.decode_verify, time.now_ns and
// crypto.x509.parse_certificates) built by `clearance build` with Clearance's capabilities file, then decided by a
// `clearance serve` process on 127.0.0.1 (POST /v1/data) and by the SDK's local evaluator on the same bundle. Both
// must answer every token alike. Token expiry is checked against time.now_ns (decode_verify's time constraint),
// so a good token allowed and an expired one denied show the host clock reached the policy.
import { X509Certificate } from 'node:crypto'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseJson } from '../../engine/json/json-codec.js'
import { createLocalEvaluator, type LocalEvaluator } from '../../sdk/local/index.js'
import { runClearance, type ServeProcess, startServe } from '../helpers/clearance-cli.js'
import { fixtureDir, tempDir } from '../helpers/fixtures.js'
import { signRs256 } from '../helpers/jwt.js'
import { type Authority, createAuthority } from '../helpers/pki.js'

const BUNDLE = 'jwt-x509'
const REVISION = 'jwt-x509-e2e'

interface Decision {
  allow: unknown
  summary: unknown
  certificate: unknown
}

const now = () => Math.floor(Date.now() / 1000)
const claims = () => ({ sub: 'alice', role: 'admin', aud: 'clearance', iat: now() - 60, exp: now() + 600 })

describe('a JWT and X.509 policy through clearance serve and the local evaluator', () => {
  let issuer: Authority
  let stranger: Authority
  let server: ServeProcess
  let local: LocalEvaluator

  beforeAll(async () => {
    issuer = await createAuthority('issuer', { keyType: 'rsa', commonName: 'issuer.clearance.test' })
    stranger = await createAuthority('stranger', { keyType: 'rsa', commonName: 'stranger.clearance.test' })
    const bundle = join(await tempDir(), 'jwt-x509-e2e.tar.gz')
    const built = await runClearance(['build', fixtureDir('jwt-x509'), '-o', bundle, '--revision', REVISION])
    expect(built.code, built.stderr).toBe(0)
    server = await startServe(['--bundle', `${BUNDLE}=${bundle}`])
    local = await createLocalEvaluator({ bundles: [`${BUNDLE}=${bundle}`], throwOnError: true })
  })

  afterAll(async () => {
    await local?.close()
    await server?.stop()
  })

  /** data.jwtx509.<rule> from the server; the local evaluator must give the same document and revision. */
  async function decideBoth(rule: keyof Decision, input: object): Promise<unknown> {
    const res = await fetch(`${server.url}/v1/data/jwtx509/${rule}`, {
      method: 'POST',
      body: JSON.stringify({ input }),
    })
    expect(res.status).toBe(200)
    // Exact numbers, as the SDK parses them: a certificate serial does not fit a double.
    const served = parseJson(await res.text()) as {
      result?: unknown
      provenance: { bundles: Record<string, { revision: string }> }
    }
    expect(served.provenance.bundles).toEqual({ [BUNDLE]: { revision: REVISION } })
    const inProcess = await local.evaluate(`jwtx509/${rule}`, input)
    expect(inProcess.revisions).toEqual({ [BUNDLE]: REVISION })
    expect(inProcess.result, `data.jwtx509.${rule} in-process`).toEqual(served.result)
    return served.result
  }

  async function decide(token: string, cert: string): Promise<Decision> {
    const input = { token, cert }
    return {
      allow: await decideBoth('allow', input),
      summary: await decideBoth('summary', input),
      certificate: await decideBoth('certificate', input),
    }
  }

  it("allows a current admin token signed by the certificate's key", async () => {
    const decision = await decide(signRs256(claims(), issuer.key), issuer.cert)
    expect(decision.allow).toBe(true)
    expect(decision.summary).toBe('alice as admin, cert "issuer.clearance.test"')
  })

  it('denies an expired token, its exp checked against time.now_ns', async () => {
    const decision = await decide(signRs256({ ...claims(), exp: now() - 60 }, issuer.key), issuer.cert)
    expect(decision.allow).toBe(false)
    expect(decision.summary).toBeUndefined()
  })

  it('denies a token signed by another key', async () => {
    const decision = await decide(signRs256(claims(), stranger.key), issuer.cert)
    expect(decision.allow).toBe(false)
    expect(decision.summary).toBeUndefined()
  })

  it("denies a token that verifies against a certificate whose subject is not the issuer's", async () => {
    const decision = await decide(signRs256(claims(), stranger.key), stranger.cert)
    expect(decision.allow).toBe(false)
    expect(decision.certificate).toMatchObject({ subject_cn: 'stranger.clearance.test', current: true })
  })

  it('reads the subject, serial and validity of the presented certificate as openssl wrote them', async () => {
    const x509 = new X509Certificate(issuer.cert)
    const { certificate } = await decide(signRs256(claims(), issuer.key), issuer.cert)
    const fields = certificate as Record<string, unknown>
    expect(fields.subject_cn).toBe('issuer.clearance.test')
    expect(BigInt(fields.serial as number | bigint)).toBe(BigInt(`0x${x509.serialNumber}`))
    expect(Date.parse(fields.not_before as string)).toBe(Date.parse(x509.validFrom))
    expect(Date.parse(fields.not_after as string)).toBe(Date.parse(x509.validTo))
    expect(fields.current).toBe(true)
  })
})
