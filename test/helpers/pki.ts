// A throwaway PKI made with the openssl CLI for TLS tests: two CAs, a server certificate for 127.0.0.1, and
// client certificates that are good, from the other CA, and expired.

import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface Pki {
  dir: string
  caCert: string
  serverCert: string
  serverKey: string
  client: { cert: string; key: string }
  otherCaClient: { cert: string; key: string }
  expiredClient: { cert: string; key: string }
}

async function openssl(cwd: string, ...args: string[]): Promise<void> {
  await run('openssl', args, { cwd })
}

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(
    dir,
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
  )
}

async function makeLeaf(dir: string, name: string, ca: string, extensions: string): Promise<void> {
  await openssl(
    dir,
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  )
  await writeFile(join(dir, `${name}.ext`), extensions)
  await openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-set_serial',
    `0x${randomBytes(8).toString('hex')}`,
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.pem`,
  )
}

/** A certificate that expired in 2020, signed by `ca` through `openssl ca`, which can set past dates. */
async function makeExpired(dir: string, name: string, ca: string): Promise<void> {
  await openssl(
    dir,
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  )
  await writeFile(join(dir, 'index.txt'), '')
  await writeFile(join(dir, 'serial'), '1000\n')
  await writeFile(
    join(dir, 'ca.cnf'),
    `[ca]\ndefault_ca=test\n[test]\ndatabase=index.txt\nserial=serial\nnew_certs_dir=.\ndefault_md=sha256\npolicy=any\n` +
      `[any]\ncommonName=supplied\n`,
  )
  await openssl(
    dir,
    'ca',
    '-batch',
    '-config',
    'ca.cnf',
    '-cert',
    `${ca}.pem`,
    '-keyfile',
    `${ca}.key`,
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200102000000Z',
    '-in',
    `${name}.csr`,
    '-out',
    `${name}.pem`,
  )
}

export async function createPki(): Promise<Pki> {
  const dir = await mkdtemp(join(tmpdir(), 'clearance-pki-'))
  await makeCa(dir, 'ca')
  await makeCa(dir, 'other-ca')
  await makeLeaf(dir, 'server', 'ca', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n')
  await makeLeaf(
    dir,
    'client',
    'ca',
    'subjectAltName=URI:spiffe://shop.example/ns/prod/sa/orders\nextendedKeyUsage=clientAuth\n',
  )
  await makeLeaf(dir, 'stranger', 'other-ca', 'extendedKeyUsage=clientAuth\n')
  await makeExpired(dir, 'expired', 'ca')
  const pair = (name: string) => ({ cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) })
  return {
    dir,
    caCert: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    client: pair('client'),
    otherCaClient: pair('stranger'),
    expiredClient: pair('expired'),
  }
}
