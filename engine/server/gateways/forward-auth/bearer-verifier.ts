// Verifies the user's bearer JWT against a JWKS (a file read at start-up, or a URL jose fetches and caches), with
// the issuer and audience the configuration names. Its claims become input.verified.user; a token that fails is
// never passed on.
import { readFile } from 'node:fs/promises'
import { JWS_ALGORITHMS } from '@clearance/rego-builtins'
import { createLocalJWKSet, createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose'
import { ClearanceError, ErrorCodes } from '../../../errors.js'

export interface BearerOptions {
  jwksFile?: string | undefined
  jwksUrl?: string | undefined
  issuer?: string | undefined
  audience?: string | undefined
}

export type BearerVerifier = (token: string) => Promise<JWTPayload>

/** Asymmetric JWS algorithms only: a JWKS never carries the shared secret an HS* token would need. */
const ALGORITHMS = JWS_ALGORITHMS.filter((alg) => !alg.startsWith('HS'))

/** Undefined when no JWKS is configured: then bearer tokens are refused, never trusted unverified. */
export async function createBearerVerifier(options: BearerOptions): Promise<BearerVerifier | undefined> {
  let keys: Parameters<typeof jwtVerify>[1]
  if (options.jwksFile !== undefined) {
    keys = createLocalJWKSet(JSON.parse(await readFile(options.jwksFile, 'utf8')))
  } else if (options.jwksUrl !== undefined) {
    keys = createRemoteJWKSet(new URL(options.jwksUrl))
  } else return undefined
  const verifyOptions = {
    algorithms: ALGORITHMS,
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    ...(options.audience === undefined ? {} : { audience: options.audience }),
  }
  return async (token) => {
    try {
      return (await jwtVerify(token, keys as Parameters<typeof jwtVerify>[1], verifyOptions)).payload
    } catch (thrown) {
      throw new ClearanceError(ErrorCodes.unauthorized, `bearer token refused: ${(thrown as Error).message}`)
    }
  }
}
