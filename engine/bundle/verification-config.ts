// How signed bundles are verified: the keys (OPA's top-level `keys`: an algorithm and a PEM public key or an HMAC
// secret, by key id), an optional pinned key id, scope and excluded files (OPA's `bundles[_].signing`). Keys are
// parsed once, at start-up, so a bad key fails configuration rather than the first bundle.
//
// Having a verifier at all is the opt-in: when one is configured every bundle must carry a valid signature, and
// nothing inside a bundle (its JWT's kid or keyid) can turn that off (OPA's GHSA-g2pf-6v5v-qcc8).
import { createPublicKey, type KeyObject } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { JWS_ALGORITHMS } from '@clearance/rego-builtins'
import { DEFAULTS } from '../config/defaults.js'
import { ClearanceError, describeThrown, ErrorCodes } from '../errors.js'

/** OPA's bundle signing algorithms: the JWS ones but EdDSA (`opa build --signing-alg`). */
export const SIGNING_ALGORITHMS = JWS_ALGORITHMS.filter(
  (alg): alg is Exclude<(typeof JWS_ALGORITHMS)[number], 'EdDSA'> => alg !== 'EdDSA',
)

export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number]

export interface VerificationKeyConfig {
  algorithm: string
  /** PEM public key (or certificate) for RS/PS/ES; the shared secret for HS. */
  key: string
  scope?: string | undefined
}

export interface VerificationConfig {
  /** Keys by key id. */
  keys: Readonly<Record<string, VerificationKeyConfig>>
  /** Pins the key to use; the bundle's own kid/keyid are then ignored. */
  keyId?: string | undefined
  /** Scope the signature's `scope` claim must equal (defaults to the key's scope, then ""). */
  scope?: string | undefined
  /** Glob patterns (Go's filepath.Match) of bundle files left out of verification. */
  excludeFiles?: readonly string[] | undefined
}

export interface VerificationKey {
  id: string
  algorithm: SigningAlgorithm
  key: KeyObject | Uint8Array
  scope: string
}

/** A checked verification configuration, ready to verify bundles. */
export interface BundleVerifier {
  readonly keyId: string | undefined
  readonly scope: string | undefined
  key(id: string): VerificationKey | undefined
  isExcluded(path: string): boolean
}

function invalid(field: string, message: string): ClearanceError {
  return new ClearanceError(ErrorCodes.configError, `invalid ${field}: ${message}`)
}

const CURVES: Readonly<Record<string, string>> = {
  ES256: 'prime256v1',
  ES384: 'secp384r1',
  ES512: 'secp521r1',
}

function importKey(field: string, id: string, config: VerificationKeyConfig): VerificationKey {
  const algorithm = config.algorithm as SigningAlgorithm
  if (!SIGNING_ALGORITHMS.includes(algorithm)) {
    throw invalid(
      `${field}.algorithm`,
      `"${config.algorithm}" is not one of ${SIGNING_ALGORITHMS.join(', ')}`,
    )
  }
  const scope = config.scope ?? ''
  if (algorithm.startsWith('HS')) {
    if (config.key === '') throw invalid(`${field}.key`, 'the HMAC secret is empty')
    return { id, algorithm, key: new TextEncoder().encode(config.key), scope }
  }
  let key: KeyObject
  try {
    key = createPublicKey(config.key)
  } catch (thrown) {
    throw invalid(
      `${field}.key`,
      `not a PEM public key, certificate or private key: ${describeThrown(thrown)}`,
    )
  }
  const type = key.asymmetricKeyType
  const wanted = algorithm.startsWith('ES') ? 'ec' : 'rsa'
  if (type !== wanted && !(algorithm.startsWith('PS') && type === 'rsa-pss')) {
    throw invalid(`${field}.key`, `a ${type ?? 'unknown'} key cannot verify ${algorithm}`)
  }
  const curve = CURVES[algorithm]
  if (curve !== undefined && key.asymmetricKeyDetails?.namedCurve !== curve) {
    throw invalid(`${field}.key`, `${algorithm} needs a ${curve} key`)
  }
  return { id, algorithm, key, scope }
}

/** Go's filepath.Match as a RegExp: `*` and `?` stop at "/", `[...]` classes (with `^` negation), `\` escapes. */
export function globToRegExp(pattern: string): RegExp {
  let source = '^'
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!
    if (char === '*') source += '[^/]*'
    else if (char === '?') source += '[^/]'
    else if (char === '\\' && i + 1 < pattern.length) source += `\\${pattern[++i]}`
    else if (char === '[') {
      const end = pattern.indexOf(']', i + 2)
      if (end < 0) throw new Error(`bad pattern "${pattern}"`)
      let body = pattern.slice(i + 1, end)
      const negated = body.startsWith('^')
      if (negated) body = body.slice(1)
      source += `[${negated ? '^/' : ''}${body.replace(/[\]\\]/g, '\\$&')}]`
      i = end
    } else source += char.replace(/[.+^${}()|\]\\]/g, '\\$&')
  }
  return new RegExp(`${source}$`)
}

/** Checks a verification configuration and imports its keys. Throws ClearanceError(config_error). */
export function createBundleVerifier(config: VerificationConfig, field = 'verification'): BundleVerifier {
  const keys = new Map<string, VerificationKey>()
  for (const [id, keyConfig] of Object.entries(config.keys)) {
    keys.set(id, importKey(`${field}.keys.${id}`, id, keyConfig))
  }
  if (keys.size === 0) throw invalid(`${field}.keys`, 'no verification keys configured')
  if (config.keyId !== undefined && config.keyId !== '' && !keys.has(config.keyId)) {
    throw invalid(`${field}.keyId`, `key id "${config.keyId}" not found`)
  }
  const excluded = (config.excludeFiles ?? []).map((pattern) => {
    try {
      return globToRegExp(pattern)
    } catch (thrown) {
      throw invalid(`${field}.excludeFiles`, describeThrown(thrown))
    }
  })
  return {
    keyId: config.keyId === '' ? undefined : config.keyId,
    scope: config.scope === '' ? undefined : config.scope,
    key: (id) => keys.get(id),
    isExcluded: (path) => excluded.some((pattern) => pattern.test(path)),
  }
}

export interface VerificationFlags {
  /** OPA's --verification-key: a PEM file (RS/PS/ES), or the HMAC secret itself, or a file holding it. */
  verificationKey?: string | undefined
  /** OPA's --verification-key-id (default "default"). */
  verificationKeyId?: string | undefined
  /** OPA's --signing-alg (default RS256). */
  signingAlg?: string | undefined
  /** OPA's --scope. */
  scope?: string | undefined
  /** OPA's --exclude-files-verify. */
  excludeFilesVerify?: readonly string[] | undefined
}

/**
 * The verification configuration `opa run` builds from its flags; undefined when no key is given. Like OPA, the key
 * id defaults to "default" and is pinned, so a bundle's own kid cannot pick another key.
 */
export function verificationFromFlags(flags: VerificationFlags): VerificationConfig | undefined {
  if (flags.verificationKey === undefined) {
    for (const [flag, value] of [
      ['--verification-key-id', flags.verificationKeyId],
      ['--scope', flags.scope],
      ['--exclude-files-verify', flags.excludeFilesVerify],
    ] as const) {
      if (value !== undefined) throw invalid(flag, 'needs --verification-key')
    }
    return undefined
  }
  const raw = flags.verificationKey
  let key = raw
  if (!raw.startsWith('-----BEGIN') && existsSync(raw) && statSync(raw).isFile()) {
    key = readFileSync(raw, 'utf8')
  }
  const keyId = flags.verificationKeyId ?? DEFAULTS.verificationKeyId
  if (keyId === '') throw invalid('--verification-key-id', 'must not be empty')
  const config: VerificationConfig = {
    keys: { [keyId]: { algorithm: flags.signingAlg ?? DEFAULTS.signingAlg, key } },
    keyId,
    scope: flags.scope,
    excludeFiles: flags.excludeFilesVerify,
  }
  createBundleVerifier(config, '--verification-key')
  return config
}
