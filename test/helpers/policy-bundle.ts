// Builds the real policy library (policies/) into a bundle once per test file, the way `npm start` does.
import { join } from 'node:path'
import { buildBundle } from '../../engine/build/build-bundle.js'
import { tempDir } from './fixtures.js'

export const POLICIES = join(import.meta.dirname, '..', '..', 'policies')

export async function buildPolicyBundle(revision = 'policy-test'): Promise<string> {
  const output = join(await tempDir(), 'clearance.tar.gz')
  await buildBundle({ source: POLICIES, output, revision })
  return output
}
