// Throwaway certificates made with the openssl CLI, for every test that needs one: self-signed authorities (a TLS
// trust root, or the certificate whose key signs a JWT) and the leaves they issue (servers on 127.0.0.1, clients,
// SPIFFE X.509-SVIDs, expired ones). Each credential comes as PEM text and as files, as the caller needs it.

import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { tempDir } from './fixtures.js'

const run = promisify(execFile)

export interface Credential {
  /** PEM text of the certificate and of its unencrypted private key. */
  cert: string
  key: string
  /** The same PEM, on disk, for options that take file names. */
  certFile: string
  keyFile: string
}

export interface Authority extends Credential {
  /** A certificate for `name` (its CN unless `commonName` says otherwise) signed by this authority. */
  issue(name: string, options?: LeafOptions): Promise<Credential>
}

export interface CertificateOptions {
  /** Subject CN; defaults to the name. */
  commonName?: string | undefined
  /** P-256 (default) or RSA 2048, the key RS256 tokens are signed with. */
  keyType?: 'ec' | 'rsa' | undefined
}

export interface LeafOptions extends CertificateOptions {
  /** subjectAltName entries as openssl writes them: `IP:127.0.0.1`, `URI:spiffe://…`. */
  subjectAltNames?: readonly string[] | undefined
  extendedKeyUsage?: 'serverAuth' | 'clientAuth' | undefined
  /** Valid only on 2020-01-01, so long expired. */
  expired?: boolean | undefined
}

const VALID_DAYS = '2'

function newKey(type: CertificateOptions['keyType']): string[] {
  return type === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']
}

async function openssl(cwd: string, args: string[]): Promise<void> {
  await run('openssl', args, { cwd })
}

async function credentialIn(dir: string): Promise<Credential> {
  const certFile = join(dir, 'cert.pem')
  const keyFile = join(dir, 'key.pem')
  return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8'), certFile, keyFile }
}

/** A folder of its own per certificate, so parallel openssl runs share no files. */
async function folderFor(name: string): Promise<string> {
  return mkdtemp(join(await tempDir(), `pki-${name.replace(/[^a-z0-9]+/gi, '-')}-`))
}

function extensionsOf(options: LeafOptions): string {
  const lines = ['basicConstraints=CA:FALSE']
  if (options.subjectAltNames !== undefined && options.subjectAltNames.length > 0) {
    lines.push(`subjectAltName=${options.subjectAltNames.join(',')}`)
  }
  if (options.extendedKeyUsage !== undefined) lines.push(`extendedKeyUsage=${options.extendedKeyUsage}`)
  return lines.map((line) => `${line}\n`).join('')
}

/** Signs `cert.csr` in `dir` with `ca`, backdated through `openssl ca`, the only command that sets past dates. */
async function signExpired(dir: string, ca: Credential): Promise<void> {
  await writeFile(join(dir, 'index.txt'), '')
  await writeFile(join(dir, 'serial'), `${randomBytes(8).toString('hex')}\n`)
  await writeFile(
    join(dir, 'ca.cnf'),
    '[ca]\ndefault_ca=test\n[test]\ndatabase=index.txt\nserial=serial\nnew_certs_dir=.\ndefault_md=sha256\n' +
      'policy=any\n[any]\ncommonName=supplied\n',
  )
  await openssl(dir, [
    'ca',
    '-batch',
    '-notext',
    '-config',
    'ca.cnf',
    '-cert',
    ca.certFile,
    '-keyfile',
    ca.keyFile,
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200102000000Z',
    '-extfile',
    'cert.ext',
    '-in',
    'cert.csr',
    '-out',
    'cert.pem',
  ])
}

async function issueLeaf(ca: Credential, name: string, options: LeafOptions): Promise<Credential> {
  const dir = await folderFor(name)
  await writeFile(join(dir, 'cert.ext'), extensionsOf(options))
  await openssl(dir, [
    'req',
    ...newKey(options.keyType),
    '-nodes',
    '-subj',
    `/CN=${options.commonName ?? name}`,
    '-keyout',
    'key.pem',
    '-out',
    'cert.csr',
  ])
  if (options.expired === true) {
    await signExpired(dir, ca)
  } else {
    await openssl(dir, [
      'x509',
      '-req',
      '-in',
      'cert.csr',
      '-CA',
      ca.certFile,
      '-CAkey',
      ca.keyFile,
      // a serial of our own: openssl's .srl file next to the CA would be raced by parallel runs
      '-set_serial',
      `0x${randomBytes(8).toString('hex')}`,
      '-days',
      VALID_DAYS,
      '-extfile',
      'cert.ext',
      '-out',
      'cert.pem',
    ])
  }
  return credentialIn(dir)
}

/** A self-signed certificate, valid from now for two days, that can issue leaves. */
export async function createAuthority(name: string, options: CertificateOptions = {}): Promise<Authority> {
  const dir = await folderFor(name)
  await openssl(dir, [
    'req',
    '-x509',
    ...newKey(options.keyType),
    '-nodes',
    '-days',
    VALID_DAYS,
    '-subj',
    `/CN=${options.commonName ?? name}`,
    '-keyout',
    'key.pem',
    '-out',
    'cert.pem',
  ])
  const self = await credentialIn(dir)
  return { ...self, issue: (leaf, leafOptions = {}) => issueLeaf(self, leaf, leafOptions) }
}

/** A server certificate for 127.0.0.1, the address every test server listens on. */
export function issueLoopbackServer(ca: Authority, name = 'server'): Promise<Credential> {
  return ca.issue(name, { subjectAltNames: ['IP:127.0.0.1'], extendedKeyUsage: 'serverAuth' })
}

/** A client X.509-SVID: a client certificate whose URI SAN is `spiffeId`. */
export function issueSvid(ca: Authority, spiffeId: string): Promise<Credential> {
  return ca.issue(spiffeId.replace(/^spiffe:\/\//, '').replace(/[^a-z0-9.-]+/gi, '-'), {
    subjectAltNames: [`URI:${spiffeId}`],
    extendedKeyUsage: 'clientAuth',
  })
}
