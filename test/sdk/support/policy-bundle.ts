// The policy library (policies/) compiled with the real, pinned opa into a temporary bundle, and a Clearance
// server serving it on 127.0.0.1.
import { join } from 'node:path'
import { buildBundle } from '../../../engine/build/build-bundle.js'
import { serveConfigFromOptions } from '../../../engine/config/config.js'
import { type RunningServer, startServer } from '../../../engine/main.js'
import { silentLog } from '../../helpers/app.js'
import { tempDir } from '../../helpers/fixtures.js'

export const POLICIES = join(import.meta.dirname, '..', '..', '..', 'policies')

/** Builds policies/ into `<tmp>/<file>` with `revision`. */
export async function buildPolicyBundle(
  revision: string,
  file = `policies-${revision}.tar.gz`,
): Promise<string> {
  const { output } = await buildBundle({ source: POLICIES, output: join(await tempDir(), file), revision })
  return output
}

/** `clearance serve --bundle clearance=<bundle> --addr 127.0.0.1:0`. */
export async function servePolicyBundle(bundle: string): Promise<RunningServer> {
  return startServer(
    serveConfigFromOptions({ bundle: [`clearance=${bundle}`], addr: '127.0.0.1:0' }),
    silentLog,
  )
}
