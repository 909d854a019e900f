// The `clearance` command line: serve, build, eval, replay, diff. Exit codes: 0 success, 1 failure, 2 usage error.
import { readFile } from 'node:fs/promises'
import { Command, CommanderError, Option } from 'commander'
import { parseBundleSpecs } from '../activation/index.js'
import { createPolicyRegistry } from '../activation/policy-registry.js'
import { buildBundle } from '../build/build-bundle.js'
import { loadBundleFromPath } from '../bundle/index.js'
import { type ServeOptions, serveConfigFromOptions } from '../config/config.js'
import { createDecider } from '../decision/decider.js'
import { ClearanceError, describeThrown } from '../errors.js'
import { encodeJson, parseJson } from '../json/json-codec.js'
import { createLogger, LOG_LEVELS } from '../log.js'
import { startServer } from '../main.js'
import { serveClusterMetrics } from '../metrics/index.js'
import { createPolicySet, normalizePath } from '../policy/policy-set.js'
import {
  createClusterSupervisor,
  isClusterWorker,
  leaveCluster,
  parseWorkerCount,
} from '../server/cluster.js'
import { dataResponseText } from '../server/decision-response.js'
import { VERSION } from '../version.js'
import { registerDiffCommand } from './diff-command.js'
import { registerReplayCommand } from './replay-command.js'

const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

async function readInput(source: string | undefined): Promise<Uint8Array | undefined> {
  if (source === undefined) return undefined
  const text = source === '-' ? await readStdin() : await readFile(source, 'utf8')
  try {
    return encodeJson(parseJson(text))
  } catch (thrown) {
    throw new ClearanceError(
      'invalid_parameter',
      `input ${source === '-' ? 'from stdin' : `"${source}"`} is not valid JSON: ${describeThrown(thrown)}`,
    )
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'))
    process.once('SIGTERM', () => resolve('SIGTERM'))
  })
}

interface BuildCommandOptions {
  output: string
  revision?: string
  capabilities?: string
  signingKey?: string
  signingAlg?: string
  signingKeyId?: string
  claimsFile?: string
}

function buildProgram(): Command {
  const program = new Command('clearance')
    .description("Policy decision point: OPA wasm bundles served over OPA's REST API")
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError()

  program
    .command('serve')
    .description("serve decisions from OPA bundles over HTTP (OPA's REST API)")
    .requiredOption(
      '-b, --bundle <file|dir|name=path>',
      'bundle .tar.gz or directory; repeat for several bundles',
      collect,
    )
    .option(
      '--shadow-bundle <file|dir|name=path>',
      'also decide every request with this bundle, off the response path, and log how it differs; repeatable',
      collect,
    )
    .option(
      '--shadow-queue-events <n>',
      'decisions waiting for the shadow bundle before more go unshadowed',
      '10000',
    )
    .option('-a, --addr <host:port>', 'address to listen on', '127.0.0.1:8181')
    .option('--default-decision <path>', 'document POST / answers', 'system/main')
    .option('--max-body-bytes <n>', 'largest request body accepted', String(8 * 1024 * 1024))
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info'))
    .option('--check-path <path>', 'decision entrypoint of POST /v1/check', 'clearance/authz/decision')
    .option(
      '--input-schema <file>',
      'JSON Schema for POST /v1/check bodies (default: policies/schema/input.schema.json)',
    )
    .option('--no-input-schema', 'do not validate POST /v1/check bodies')
    .addOption(
      new Option('--authentication <mode>', 'who may call the API')
        .choices(['off', 'token', 'tls'])
        .default('off'),
    )
    .option('--token-file <file>', 'bearer tokens accepted with --authentication=token, one per line')
    .option('--tls-cert-file <file>', 'serve HTTPS with this certificate (PEM)')
    .option('--tls-private-key-file <file>', 'private key of --tls-cert-file (PEM)')
    .option('--tls-ca-cert-file <file>', 'CA that client certificates must chain to (--authentication=tls)')
    .option('--max-json-depth <n>', 'deepest JSON nesting accepted in a request', '64')
    .option('--max-json-elements <n>', 'most JSON values accepted in a request', '100000')
    .option('--max-concurrent <n>', 'requests in flight past which the API answers 429', '1024')
    .option('--headers-timeout-ms <n>', 'time allowed to receive request headers', '10000')
    .option('--request-timeout-ms <n>', 'time allowed to receive a whole request', '30000')
    .option('--keep-alive-timeout-ms <n>', 'idle time before a keep-alive connection is closed', '5000')
    .option(
      '--eval-timeout-ms <n>',
      'longest one policy evaluation may run before it is stopped and denied (0: no limit)',
      '1000',
    )
    .option('--no-watch', 'do not reload local bundles when they change')
    .addOption(
      new Option('--on-delete <mode>', 'when a watched bundle is deleted')
        .choices(['keep', 'drop'])
        .default('drop'),
    )
    .option('--reload-cooldown <ms>', 'quiet time after the last file event before a bundle is read', '100')
    .option('--polling-min-delay <s>', 'shortest wait between polls of a bundle server', '60')
    .option('--polling-max-delay <s>', 'longest wait between polls of a bundle server', '120')
    .option('--bundle-timeout <ms>', 'time allowed for one bundle download', '30000')
    .option('--bundle-max-bytes <n>', 'largest bundle download accepted')
    .option('--bundle-token-file <file>', 'bearer token sent to the bundle server')
    .option('--bundle-client-cert <file>', 'client certificate (PEM) for the bundle server')
    .option('--bundle-client-key <file>', 'key of --bundle-client-cert (PEM)')
    .option('--bundle-ca-cert <file>', 'CA (PEM) trusted for the bundle server')
    .option(
      '--persist-dir <dir>',
      'keep the last good remote bundle here, to serve after a restart without the server',
    )
    .option(
      '--max-age <ms>',
      'deny every decision once a bundle has not been confirmed current for this long',
    )
    .option(
      '--verification-key <file|secret>',
      'verify bundle signatures with this public key (PEM) or HMAC secret',
    )
    .option('--verification-key-id <id>', 'key id of --verification-key (default: "default")')
    .option(
      '--signing-alg <alg>',
      'signature algorithm of --verification-key: RS256 (default), PS256, ES256, HS256, …',
    )
    .option('--scope <scope>', 'scope the bundle signature must carry')
    .option('--exclude-files-verify <glob>', 'bundle files left out of signature verification', collect)
    .option('--decision-log-console', 'write every decision to stdout as a JSON line')
    .option('--decision-log-file <path>', 'append every decision to this file as JSON lines')
    .option('--decision-log-url <url>', "upload decisions to this service in OPA's decision-log protocol")
    .option('--decision-log-resource <path>', 'path of the upload endpoint on --decision-log-url', '/logs')
    .option('--decision-log-token-file <file>', 'bearer token for --decision-log-url')
    .option('--decision-log-upload-limit-bytes <n>', 'largest gzip upload', '32768')
    .option('--decision-log-min-delay <s>', 'shortest wait between uploads', '5')
    .option('--decision-log-max-delay <s>', 'longest wait between uploads', '10')
    .option('--decision-log-buffer-events <n>', 'events held before the oldest are dropped', '10000')
    .option(
      '--decision-log-buffer-bytes <n>',
      'bytes held before the oldest events are dropped',
      String(64 * 1024 * 1024),
    )
    .option(
      '--decision-log-mask <pointer>',
      'JSON pointer erased from every event, e.g. /input/card',
      collect,
    )
    .option(
      '--decision-log-allow-sample-rate <0..1>',
      'fraction of allow decisions logged (denies and errors always are)',
      '1',
    )
    .option('--decision-log-drop-path <path>', 'decision paths under this prefix are not logged', collect)
    .option('--decision-log-label <key=value>', 'label added to every event', collect)
    .option('--no-metrics', 'do not serve GET /metrics')
    .option('--instance-id <id>', "this instance's id in status and decision-log labels (default: random)")
    .option(
      '--workers <n|auto>',
      'serve from n processes sharing the port (node:cluster); auto: one per core',
      '1',
    )
    .action(async (options: ServeOptions & { workers?: string }) => {
      const config = serveConfigFromOptions(options)
      const workers = parseWorkerCount(options.workers ?? '1')
      const log = createLogger({ level: config.logLevel })
      if (workers > 1 && !isClusterWorker()) {
        const supervisor = createClusterSupervisor({ workers, log })
        const stopMetrics = serveClusterMetrics()
        await supervisor.start()
        const signal = await waitForSignal()
        log.info({ signal }, 'shutting down')
        await supervisor.stop()
        stopMetrics()
        log.flush()
        return
      }
      const server = await startServer(config, log)
      const signal = await waitForSignal()
      log.info({ signal }, 'shutting down')
      await server.close()
      log.flush()
      // a worker's channel to the primary would otherwise keep it alive after shutdown
      leaveCluster()
    })

  program
    .command('build')
    .description('compile a folder of Rego into an OPA wasm bundle (.tar.gz) with opa build -t wasm')
    .argument('[dir]', 'policy folder', 'policies')
    .option('-o, --output <file>', 'bundle to write', 'bundles/bundle.tar.gz')
    .option(
      '--revision <rev>',
      'revision for the manifest (default: git commit of the folder, -dirty when changed)',
    )
    .option('--capabilities <file>', 'OPA capabilities file (default: the builtins Clearance can run)')
    .option('--signing-key <file|secret>', 'sign the bundle with this private key (PEM) or HMAC secret')
    .option('--signing-alg <alg>', 'signature algorithm: RS256 (default), PS256, ES256, HS256, …')
    .option('--signing-key-id <id>', 'key id written into the signature (verifiers pin it)')
    .option('--claims-file <file>', 'extra JWT claims for the signature (e.g. scope)')
    .action(async (dir: string, options: BuildCommandOptions) => {
      const result = await buildBundle({ source: dir, ...options })
      process.stdout.write(`${JSON.stringify({ bundle: result.output, revision: result.revision })}\n`)
    })

  program
    .command('eval')
    .description('evaluate one document path against bundles and print the answer as the Data API would')
    .requiredOption(
      '-b, --bundle <file|dir|name=path>',
      'bundle .tar.gz or directory; repeat for several bundles',
      collect,
    )
    .requiredOption('-p, --path <path>', 'document path, e.g. clearance/authz/decision')
    .option('-i, --input <file|->', 'input JSON file, or - for stdin')
    .option('--fail', 'exit with status 1 when the document is undefined')
    .action(async (options: { bundle: string[]; path: string; input?: string; fail?: boolean }) => {
      const specs = parseBundleSpecs(options.bundle)
      const bundles = await Promise.all(specs.map((spec) => loadBundleFromPath(spec.name, spec.path)))
      const registry = createPolicyRegistry()
      registry.activate(await createPolicySet(bundles))
      const decision = createDecider({ registry }).decide(
        normalizePath(options.path),
        await readInput(options.input),
      )
      process.stdout.write(dataResponseText(decision, { pretty: true, version: VERSION }))
      if (options.fail === true && !decision.outcome.defined) process.exitCode = 1
    })
  registerReplayCommand(program)
  registerDiffCommand(program)
  return program
}

/** Runs the CLI and resolves to the process exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  process.exitCode = 0
  try {
    await buildProgram().parseAsync([...argv])
    return Number(process.exitCode ?? 0)
  } catch (thrown) {
    if (thrown instanceof CommanderError) return thrown.exitCode === 0 ? 0 : 2
    const code = thrown instanceof ClearanceError ? thrown.code : 'internal_error'
    process.stderr.write(`${JSON.stringify({ level: 'error', code, message: describeThrown(thrown) })}\n`)
    return thrown instanceof ClearanceError && thrown.code === 'config_error' ? 2 : 1
  }
}
