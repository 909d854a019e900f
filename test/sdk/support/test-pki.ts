// A throwaway PKI made with the openssl CLI: a trust bundle (CA), a server certificate for 127.0.0.1, and client
// X.509-SVIDs whose URI SAN is a SPIFFE ID; plus a client certificate from a CA nobody trusts.

import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { tempDir } from '../../helpers/fixtures.js'

const run = promisify(execFile)

export interface KeyPair {
  cert: Buffer
  key: Buffer
}

export interface TestPki {
  ca: Buffer
  server: KeyPair
  /** SPIFFE ID → client certificate signed by the trusted CA. */
  client(spiffeId: string): Promise<KeyPair>
  /** A client certificate for `spiffeId` signed by a CA the server does not trust. */
  rogue: KeyPair
}

async function issue(
  dir: string,
  name: string,
  ca: { cert: string; key: string },
  extensions: string,
): Promise<KeyPair> {
  const key = join(dir, `${name}.key`)
  const csr = join(dir, `${name}.csr`)
  const cert = join(dir, `${name}.crt`)
  const ext = join(dir, `${name}.ext`)
  await writeFile(ext, extensions)
  await run('openssl', [
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    csr,
    '-subj',
    `/CN=${name}`,
  ])
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-set_serial',
    `0x${randomBytes(8).toString('hex')}`,
    '-out',
    cert,
    '-days',
    '1',
    '-extfile',
    ext,
  ])
  return { cert: await readFile(cert), key: await readFile(key) }
}

async function authority(dir: string, name: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${name}.crt`)
  const key = join(dir, `${name}.key`)
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '1',
    '-subj',
    `/CN=${name}`,
  ])
  return { cert, key }
}

export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(await tempDir(), 'pki-'))
  const ca = await authority(dir, 'trust-bundle')
  const rogueCa = await authority(dir, 'rogue-ca')
  const server = await issue(dir, 'server', ca, 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n')
  const svid = (spiffeId: string, authorityOf = ca): Promise<KeyPair> =>
    issue(
      dir,
      `client-${spiffeId.replace(/[^a-z0-9]+/gi, '-')}-${authorityOf === ca ? 'ok' : 'rogue'}`,
      authorityOf,
      `subjectAltName=URI:${spiffeId}\nextendedKeyUsage=clientAuth\n`,
    )
  return {
    ca: await readFile(ca.cert),
    server,
    client: (spiffeId) => svid(spiffeId),
    rogue: await svid('spiffe://shop.example/ns/prod/sa/orders', rogueCa),
  }
}
