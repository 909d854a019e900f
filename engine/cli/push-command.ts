// `clearance push <bundle.tar.gz> oci://host[:port]/repo:tag`: checks the file is a bundle Clearance can read,
// then publishes it to an OCI registry so every replica pulls the same digest. Prints the manifest digest.
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import type { Command } from 'commander'
import { readBundleArchive } from '../bundle/index.js'
import { DEFAULTS } from '../config/index.js'
import { ClearanceError, describeThrown, ErrorCodes } from '../errors.js'
import { createOciRegistryClient, formatOciReference, parseOciReference, pushBundle } from '../net/index.js'

interface PushCommandOptions {
  username?: string
  passwordFile?: string
  tokenFile?: string
  caCert?: string
  plainHttp?: boolean
  timeout: string
}

async function optionalFile(file: string | undefined): Promise<Buffer | undefined> {
  return file === undefined ? undefined : readFile(file)
}

async function push(file: string, target: string, options: PushCommandOptions): Promise<void> {
  const reference = parseOciReference(target)
  if (reference.pinned) {
    throw new ClearanceError(ErrorCodes.configError, 'invalid target: push to a tag (repo:tag), not a digest')
  }
  const bundle = await readFile(file)
  try {
    await readBundleArchive(bundle, DEFAULTS.bundleLimits)
  } catch (thrown) {
    throw new ClearanceError(
      ErrorCodes.bundleError,
      `${file} is not a readable bundle: ${describeThrown(thrown)}`,
    )
  }
  const client = createOciRegistryClient({
    username: options.username,
    password: (await optionalFile(options.passwordFile))?.toString('utf8').trim(),
    credentials: {
      bearerToken: (await optionalFile(options.tokenFile))?.toString('utf8').trim(),
      caCertificate: await optionalFile(options.caCert),
    },
    plainHttp: options.plainHttp ?? false,
    timeoutMs: Number(options.timeout),
  })
  try {
    const pushed = await pushBundle(client, reference, bundle, { title: basename(file) })
    process.stdout.write(
      `${JSON.stringify({ reference: formatOciReference(reference), digest: pushed.digest, size: pushed.size })}\n`,
    )
  } finally {
    client.close()
  }
}

export function addPushCommand(program: Command): void {
  program
    .command('push')
    .description("publish a bundle to an OCI registry (OPA's layout: one tar+gzip layer)")
    .argument('<bundle>', 'bundle .tar.gz (from clearance build)')
    .argument('<reference>', 'oci://host[:port]/repository:tag')
    .option('--username <user>', 'registry user (basic, or for its token service)')
    .option('--password-file <file>', 'password of --username')
    .option('--token-file <file>', 'a bearer token sent as it is (no token flow)')
    .option('--ca-cert <file>', 'CA (PEM) trusted for the registry')
    .option('--plain-http', 'reach a registry that is not on a loopback address over plain HTTP')
    .option('--timeout <ms>', 'time allowed for one request', String(DEFAULTS.bundleTimeoutMs))
    .action(push)
}
