// Verification of OPA's signed bundles (v1/bundle/verify.go): `.signatures.json` holds exactly one JWT whose
// payload lists every file of the bundle with its digest. The JWT must verify with a configured key (chosen by the
// pinned key id, else the JWT's `kid` header, else its deprecated `keyid` claim, and always with the algorithm
// configured for that key, never the one the token names); its scope must match; every file must be listed with a
// matching digest, and every listed file must be present.
import { compactVerify, decodeProtectedHeader } from 'jose'
import { ClearanceError, describeThrown, ErrorCodes } from '../errors.js'
import { isRecord } from '../json/index.js'
import type { BundleFiles } from './bundle-files.js'
import { hashBundleFile, isSupportedHashAlgorithm } from './signature-hash.js'
import type { BundleVerifier } from './verification-config.js'

export const SIGNATURES_FILE = '.signatures.json'

interface FileClaim {
  name: string
  hash: string
  algorithm: string
}

function refused(bundle: string, message: string, cause?: unknown): ClearanceError {
  return new ClearanceError(
    ErrorCodes.bundleError,
    `bundle "${bundle}": ${message}`,
    cause === undefined ? undefined : { cause },
  )
}

const decoder = new TextDecoder('utf-8', { fatal: true })

function decodeJson(bytes: Uint8Array): unknown {
  return JSON.parse(decoder.decode(bytes))
}

/** The bundle paths ("/a/.signatures.json") of every signatures file, wherever it sits (OPA matches the basename). */
function signatureFiles(files: BundleFiles): string[] {
  return [...files.keys()].filter((path) => path.endsWith(`/${SIGNATURES_FILE}`))
}

interface SignaturesDocument {
  signatures: unknown[] | undefined
  plugin: string
}

function parseSignatures(bundle: string, bytes: Uint8Array): SignaturesDocument {
  let raw: unknown
  try {
    raw = decodeJson(bytes)
  } catch (thrown) {
    throw refused(bundle, `bundle load failed on signatures decode: ${describeThrown(thrown)}`, thrown)
  }
  if (!isRecord(raw)) throw refused(bundle, `${SIGNATURES_FILE} is not a JSON object`)
  const { signatures, plugin = '' } = raw
  if (signatures !== undefined && signatures !== null && !Array.isArray(signatures)) {
    throw refused(bundle, `${SIGNATURES_FILE}: "signatures" must be a list`)
  }
  if (typeof plugin !== 'string') throw refused(bundle, `${SIGNATURES_FILE}: "plugin" must be a string`)
  return { signatures: signatures ?? undefined, plugin }
}

function parseFileClaims(bundle: string, payload: unknown): Map<string, FileClaim> {
  if (!isRecord(payload)) throw refused(bundle, 'signature payload is not a JSON object')
  const { files } = payload
  if (!Array.isArray(files)) throw refused(bundle, 'signature payload has no "files" list')
  const claims = new Map<string, FileClaim>()
  for (const file of files) {
    if (
      !isRecord(file) ||
      typeof file.name !== 'string' ||
      typeof file.hash !== 'string' ||
      (file.algorithm !== undefined && typeof file.algorithm !== 'string')
    ) {
      throw refused(bundle, 'signature payload lists a file without a string name and hash')
    }
    claims.set(file.name, { name: file.name, hash: file.hash, algorithm: (file.algorithm as string) ?? '' })
  }
  return claims
}

async function verifyToken(
  bundle: string,
  token: unknown,
  verifier: BundleVerifier,
): Promise<Map<string, FileClaim>> {
  if (typeof token !== 'string') throw refused(bundle, `${SIGNATURES_FILE}: the signature is not a string`)
  let header: ReturnType<typeof decodeProtectedHeader>
  let unverified: unknown
  try {
    header = decodeProtectedHeader(token)
    const payloadPart = token.split('.')[1] ?? ''
    unverified = decodeJson(Buffer.from(payloadPart, 'base64url'))
  } catch (thrown) {
    throw refused(bundle, `failed to parse the signature JWT: ${describeThrown(thrown)}`, thrown)
  }
  // The key id only selects among configured keys; it can never select "no verification".
  let keyId = verifier.keyId ?? (typeof header.kid === 'string' ? header.kid : '')
  if (keyId === '' && isRecord(unverified) && typeof unverified.keyid === 'string') keyId = unverified.keyid
  if (keyId === '') throw refused(bundle, 'verification key ID is empty')
  const key = verifier.key(keyId)
  if (key === undefined) throw refused(bundle, `verification key corresponding to ID ${keyId} not found`)

  let payload: unknown
  try {
    const verified = await compactVerify(token, key.key, { algorithms: [key.algorithm] })
    payload = decodeJson(verified.payload)
  } catch (thrown) {
    throw refused(bundle, `failed to verify JWT signature: ${describeThrown(thrown)}`, thrown)
  }
  const scope = verifier.scope ?? key.scope
  const claimed = isRecord(payload) && typeof payload.scope === 'string' ? payload.scope : ''
  if (claimed !== scope) throw refused(bundle, 'scope mismatch')
  return parseFileClaims(bundle, payload)
}

/**
 * Checks a bundle's signature against `verifier` and returns its files without the signatures file.
 * With no verifier, an unsigned bundle passes and a signed one is refused, as OPA refuses it
 * ("verification key not provided"). Throws ClearanceError(bundle_error).
 */
export async function verifyBundleSignatures(
  bundle: string,
  files: BundleFiles,
  verifier: BundleVerifier | undefined,
): Promise<BundleFiles> {
  const found = signatureFiles(files)
  if (found.length > 1) {
    throw refused(
      bundle,
      `bundle contains multiple signatures files: ${found.map((p) => `"${p}"`).join(' and ')}`,
    )
  }
  const document = found.length === 1 ? parseSignatures(bundle, files.get(found[0]!)!) : undefined
  const signed = document !== undefined && (document.signatures !== undefined || document.plugin !== '')
  if (!signed) {
    if (verifier !== undefined) throw refused(bundle, `bundle missing ${SIGNATURES_FILE} file`)
    return withoutSignatures(files, found)
  }
  if (verifier === undefined) throw refused(bundle, 'verification key not provided')
  if (document.plugin !== '' && document.plugin !== '_default') {
    throw refused(bundle, `no verifier exists under id ${document.plugin}`)
  }
  const tokens = document.signatures ?? []
  if (tokens.length === 0) throw refused(bundle, `${SIGNATURES_FILE}: missing JWT (expected exactly one)`)
  if (tokens.length > 1) {
    throw refused(bundle, `${SIGNATURES_FILE}: multiple JWTs not supported (expected exactly one)`)
  }
  const claims = await verifyToken(bundle, tokens[0], verifier)

  for (const [path, bytes] of files) {
    if (path === found[0]) continue
    const name = path.slice(1)
    if (verifier.isExcluded(name)) {
      claims.delete(name)
      continue
    }
    const claim = claims.get(name)
    if (claim === undefined) throw refused(bundle, `file ${name} not included in bundle signature`)
    if (claim.algorithm === '') throw refused(bundle, `no hashing algorithm provided for file ${name}`)
    if (!isSupportedHashAlgorithm(claim.algorithm)) {
      throw refused(bundle, `unsupported hashing algorithm: ${claim.algorithm}`)
    }
    let digest: string
    try {
      digest = hashBundleFile(path, bytes, claim.algorithm)
    } catch (thrown) {
      throw refused(bundle, `${name}: cannot be hashed for verification: ${describeThrown(thrown)}`, thrown)
    }
    if (digest !== claim.hash.toLowerCase()) {
      throw refused(bundle, `${name}: digest mismatch (want: ${claim.hash}, got: ${digest})`)
    }
    claims.delete(name)
  }
  if (claims.size > 0) {
    throw refused(
      bundle,
      `file(s) [${[...claims.keys()].sort().join(' ')}] specified in bundle signatures but not found in the target bundle`,
    )
  }
  return withoutSignatures(files, found)
}

function withoutSignatures(files: BundleFiles, found: readonly string[]): BundleFiles {
  if (found.length === 0) return files
  const kept = new Map(files)
  for (const path of found) kept.delete(path)
  return kept
}
