// Bundles for the lifecycle tests, made from fixtures the real opa compiled: numbered versions of the `reload`
// bundle (its data and manifest revision rewritten, the wasm kept) and every kind of broken or hostile variant.
import { execFile } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { buildBundle } from '../../../../engine/build/build-bundle.js'
import { resolveOpaBinary } from '../../../../engine/build/opa-binary.js'
import { readBundleArchive } from '../../../../engine/bundle/bundle-files.js'
import { fixtureDir, tempDir } from '../../../helpers/fixtures.js'
import { type TarEntry, tarGz } from '../../../helpers/tar-builder.js'

export type Files = ReadonlyMap<string, Uint8Array>

const run = promisify(execFile)

export async function readArchive(path: string): Promise<Files> {
  return readBundleArchive(await readFile(path))
}

export async function filesOf(archive: Uint8Array): Promise<Files> {
  return readBundleArchive(archive)
}

export function pack(files: Files, extra: readonly TarEntry[] = []): Buffer {
  return tarGz([...[...files].map(([path, body]) => ({ path, body })), ...extra])
}

/** Version `n` of the reload bundle: data `{version: "n"}`, revision `v<n>`, roots as given. */
export function reloadVersion(base: Files, n: number, roots: readonly string[] = ['reload']): Buffer {
  const files = new Map(base)
  files.set(
    '/data.json',
    Buffer.from(JSON.stringify({ reload: { meta: { version: String(n), admin: 'alice' } } })),
  )
  const manifest = JSON.parse(Buffer.from(base.get('/.manifest')!).toString('utf8'))
  files.set('/.manifest', Buffer.from(JSON.stringify({ ...manifest, revision: `v${n}`, roots })))
  return pack(files)
}

/** The broken and hostile kinds a reload must refuse, each built from a good version. */
export const corruptions = {
  truncated: (good: Buffer): Buffer => good.subarray(0, Math.floor(good.length / 2)),
  'not gzip': (): Buffer => Buffer.from('this is not a bundle archive at all'),
  'invalid wasm': (_good: Buffer, base: Files): Buffer => {
    const files = new Map(base)
    files.set('/policy.wasm', Buffer.from('\0asm garbage that is no module'))
    return pack(files)
  },
  'data outside the roots': (_good: Buffer, base: Files): Buffer => {
    const files = new Map(base)
    files.set('/elsewhere/data.json', Buffer.from('{"x":1}'))
    return pack(files)
  },
  'traversal entry': (_good: Buffer, base: Files): Buffer =>
    pack(base, [{ path: '../../etc/evil/data.json', body: '{}' }]),
  'symlink entry': (_good: Buffer, base: Files): Buffer =>
    pack(base, [{ path: 'reload/link', type: 'SymbolicLink', linkpath: '/etc/passwd' }]),
} as const

export type CorruptionKind = keyof typeof corruptions

/** Writes `bytes` to `path` the way deploy tools do: a temporary file renamed over it, or rewritten in place. */
export async function writeBundle(
  path: string,
  bytes: Uint8Array,
  how: 'rename' | 'in-place',
): Promise<void> {
  if (how === 'in-place') {
    await writeFile(path, bytes)
    return
  }
  const temporary = join(dirname(path), `.${Date.now()}-${Math.random().toString(16).slice(2)}.tmp`)
  await writeFile(temporary, bytes)
  await rename(temporary, path)
}

export interface SigningKeys {
  privatePem: string
  publicPem: string
  privateFile: string
}

/** A fresh RSA or EC key pair, the private key written to a file for `opa build --signing-key`. */
export async function signingKeys(kind: 'rsa' | 'ec', label: string): Promise<SigningKeys> {
  const pair =
    kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const privateFile = join(await tempDir(), `${label}.key.pem`)
  await writeFile(privateFile, privatePem)
  return { privatePem, publicPem, privateFile }
}

/** Builds a fixture signed by the real opa (`clearance build --signing-key`). */
export async function buildSignedFixture(
  name: string,
  output: string,
  signing: { key: string; alg?: string; keyId?: string; claimsFile?: string },
): Promise<string> {
  const path = join(await tempDir(), output)
  await buildBundle({
    source: fixtureDir(name),
    output: path,
    revision: `signed-${name}`,
    signingKey: signing.key,
    signingAlg: signing.alg,
    signingKeyId: signing.keyId,
    claimsFile: signing.claimsFile,
  })
  return path
}

/** Builds a fixture with opa's full capabilities, for policies Clearance's own capabilities would not compile. */
export async function buildUnrestricted(name: string): Promise<string> {
  const opa = await resolveOpaBinary()
  const capabilities = join(await tempDir(), 'opa-capabilities.json')
  const { stdout } = await run(opa, ['capabilities', '--current'], { maxBuffer: 64 * 1024 * 1024 })
  await writeFile(capabilities, stdout)
  const output = join(await tempDir(), `${name}-unrestricted.tar.gz`)
  await buildBundle({ source: fixtureDir(name), output, revision: `rev-${name}`, capabilities })
  return output
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined,
  timeoutMs = 5000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
