// `clearance serve`: the options, grouped as the help shows them, and the action that starts the server (or a
// cluster of workers) and stops it on SIGINT/SIGTERM.
import { type Command, Option } from 'commander'
import { bundleLimitsForMemory } from '../bundle/index.js'
import { DEFAULTS, type ServeOptions, serveConfigFromOptions } from '../config/index.js'
import { createLogger, LOG_LEVELS } from '../log.js'
import { startServer } from '../main.js'
import { serveClusterMetrics } from '../metrics/index.js'
import {
  createClusterSupervisor,
  isClusterWorker,
  leaveCluster,
  parseWorkerCount,
  startClusterBundles,
} from '../server/index.js'
import { collect, waitForSignal } from './command-helpers.js'
import { addGatewayOptions } from './gateway-options.js'

/** Listening, request limits, authentication and the evaluation time limit. */
function httpOptions(command: Command): Command {
  return command
    .option('-a, --addr <host:port>', 'address to listen on', DEFAULTS.addr)
    .option('--default-decision <path>', 'document POST / answers', DEFAULTS.defaultDecision)
    .option('--max-body-bytes <n>', 'largest request body accepted', String(DEFAULTS.maxBodyBytes))
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default(DEFAULTS.logLevel))
    .option('--check-path <path>', 'decision entrypoint of POST /v1/check', DEFAULTS.checkPath)
    .option(
      '--input-schema <file>',
      'JSON Schema for POST /v1/check bodies (default: policies/schema/input.schema.json)',
    )
    .option('--no-input-schema', 'do not validate POST /v1/check bodies')
    .addOption(
      new Option('--authentication <mode>', 'who may call the API')
        .choices(['off', 'token', 'tls'])
        .default(DEFAULTS.authentication),
    )
    .option(
      '--token-file <file>',
      'bearer tokens accepted with --authentication=token, one per line, optionally followed by scopes (decide,read,admin)',
    )
    .option('--tls-cert-file <file>', 'serve HTTPS with this certificate (PEM)')
    .option('--tls-private-key-file <file>', 'private key of --tls-cert-file (PEM)')
    .option('--tls-ca-cert-file <file>', 'CA that client certificates must chain to (--authentication=tls)')
    .option(
      '--max-json-depth <n>',
      'deepest JSON nesting accepted in a request',
      String(DEFAULTS.jsonShape.maxDepth),
    )
    .option(
      '--max-json-elements <n>',
      'most JSON values accepted in a request',
      String(DEFAULTS.jsonShape.maxElements),
    )
    .option(
      '--max-concurrent <n>',
      'requests in flight past which the API answers 429',
      String(DEFAULTS.maxConcurrent),
    )
    .option(
      '--headers-timeout-ms <n>',
      'time allowed to receive request headers',
      String(DEFAULTS.headersTimeoutMs),
    )
    .option(
      '--request-timeout-ms <n>',
      'time allowed to receive a whole request',
      String(DEFAULTS.requestTimeoutMs),
    )
    .option(
      '--keep-alive-timeout-ms <n>',
      'idle time before a keep-alive connection is closed',
      String(DEFAULTS.keepAliveTimeoutMs),
    )
    .option(
      '--eval-timeout-ms <n>',
      'longest one policy evaluation may run before it is stopped and denied (0: no limit)',
      String(DEFAULTS.evalTimeoutMs),
    )
    .option(
      '--decision-cache <on|off>',
      'answer repeated inputs from memory, for policies that read only input and data (emptied on every activation)',
      DEFAULTS.decisionCache.enabled ? 'on' : 'off',
    )
    .option(
      '--decision-cache-max-entries <n>',
      'most answers the decision cache holds',
      String(DEFAULTS.decisionCache.maxEntries),
    )
    .option(
      '--decision-cache-max-bytes <n>',
      'most bytes of inputs and answers the decision cache holds',
      String(DEFAULTS.decisionCache.maxBytes),
    )
    .option(
      '--eval-threads <n|auto>',
      'evaluation threads per policy module (a runaway evaluation holds one; the others keep serving); auto: 2, or 1 for a module with 64 MiB of data or more',
      String(DEFAULTS.evalThreads),
    )
}

/** Where bundles come from, how they are reloaded and polled, and how their signatures are verified. */
function bundleOptions(command: Command): Command {
  return command
    .option('--no-watch', 'do not reload local bundles when they change')
    .addOption(
      new Option('--on-delete <mode>', 'when a watched bundle is deleted')
        .choices(['keep', 'drop'])
        .default(DEFAULTS.onDelete),
    )
    .option(
      '--reload-cooldown <ms>',
      'quiet time after the last file event before a bundle is read',
      String(DEFAULTS.reloadCooldownMs),
    )
    .option(
      '--polling-min-delay <s>',
      'shortest wait between polls of a bundle server',
      String(DEFAULTS.polling.minDelayMs / 1000),
    )
    .option(
      '--polling-max-delay <s>',
      'longest wait between polls of a bundle server',
      String(DEFAULTS.polling.maxDelayMs / 1000),
    )
    .option('--bundle-timeout <ms>', 'time allowed for one bundle download', String(DEFAULTS.bundleTimeoutMs))
    .option(
      '--bundle-max-bytes <n>',
      `largest bundle download accepted (default: ${DEFAULTS.bundleLimits.maxCompressedBytes})`,
    )
    .option(
      '--max-bundle-memory <bytes>',
      `memory loading and serving bundle data may take; bundle data is limited to 1/${DEFAULTS.dataMemoryFactor} of it`,
      String(DEFAULTS.maxBundleMemory),
    )
    .option('--bundle-token-file <file>', 'bearer token sent to the bundle server')
    .option('--bundle-client-cert <file>', 'client certificate (PEM) for the bundle server')
    .option('--bundle-client-key <file>', 'key of --bundle-client-cert (PEM)')
    .option('--bundle-ca-cert <file>', 'CA (PEM) trusted for the bundle server or registry')
    .option('--bundle-registry-username <user>', 'user for an oci:// registry (basic or its token service)')
    .option('--bundle-registry-password-file <file>', 'password of --bundle-registry-username')
    .option(
      '--bundle-registry-plain-http',
      'reach an oci:// registry that is not on a loopback address over plain HTTP',
    )
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
    .option(
      '--verification-key-id <id>',
      `key id of --verification-key (default: "${DEFAULTS.verificationKeyId}")`,
    )
    .option(
      '--signing-alg <alg>',
      `signature algorithm of --verification-key: ${DEFAULTS.signingAlg} (default), PS256, ES256, HS256, …`,
    )
    .option('--scope <scope>', 'scope the bundle signature must carry')
    .option('--exclude-files-verify <glob>', 'bundle files left out of signature verification', collect)
}

/** The decision log's sinks, buffers, masking and sampling. */
function decisionLogOptions(command: Command): Command {
  return command
    .option('--decision-log-console', 'write every decision to stdout as a JSON line')
    .option('--decision-log-file <path>', 'append every decision to this file as JSON lines')
    .option('--decision-log-url <url>', "upload decisions to this service in OPA's decision-log protocol")
    .option(
      '--decision-log-resource <path>',
      'path of the upload endpoint on --decision-log-url',
      DEFAULTS.decisionLog.resource,
    )
    .option('--decision-log-token-file <file>', 'bearer token for --decision-log-url')
    .option(
      '--decision-log-upload-limit-bytes <n>',
      'largest gzip upload',
      String(DEFAULTS.decisionLog.uploadLimitBytes),
    )
    .option(
      '--decision-log-min-delay <s>',
      'shortest wait between uploads',
      String(DEFAULTS.decisionLog.minDelayMs / 1000),
    )
    .option(
      '--decision-log-max-delay <s>',
      'longest wait between uploads',
      String(DEFAULTS.decisionLog.maxDelayMs / 1000),
    )
    .option(
      '--decision-log-buffer-events <n>',
      'events held before the oldest are dropped',
      String(DEFAULTS.decisionLog.bufferEvents),
    )
    .option(
      '--decision-log-buffer-bytes <n>',
      'bytes held before the oldest events are dropped',
      String(DEFAULTS.decisionLog.bufferBytes),
    )
    .option(
      '--decision-log-mask <pointer>',
      'JSON pointer erased from every event, e.g. /input/card',
      collect,
    )
    .option(
      '--decision-log-allow-sample-rate <0..1>',
      'fraction of allow decisions logged (denies and errors always are)',
      String(DEFAULTS.decisionLog.allowSampleRate),
    )
    .option('--decision-log-drop-path <path>', 'decision paths under this prefix are not logged', collect)
    .option('--decision-log-label <key=value>', 'label added to every event', collect)
}

async function serve(options: ServeOptions & { workers?: string }): Promise<void> {
  const config = serveConfigFromOptions(options)
  const workers = parseWorkerCount(options.workers ?? DEFAULTS.workers)
  const log = createLogger({ level: config.logLevel })
  if (workers > 1 && !isClusterWorker()) {
    // the primary polls remote bundles once for all workers, and collects their bundle states
    const bundles = await startClusterBundles({
      workers,
      log,
      specs: config.bundleSources,
      verification: config.verification,
      persistDir: config.persistDir,
      maxAgeMs: config.maxAgeMs,
      wasm: { evaluationTimeoutMs: config.evaluationTimeoutMs, evaluationThreads: config.evaluationThreads },
      limits: bundleLimitsForMemory(config.maxBundleMemory),
    })
    const supervisor = createClusterSupervisor({ workers, log, env: bundles.env })
    const stopMetrics = serveClusterMetrics()
    await supervisor.start().catch(async (thrown: unknown) => {
      await bundles.stop()
      throw thrown
    })
    const signal = await waitForSignal()
    log.info({ signal }, 'shutting down')
    await supervisor.stop()
    await bundles.stop()
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
}

export function addServeCommand(program: Command): void {
  const command = program
    .command('serve')
    .description("serve decisions from OPA bundles over HTTP (OPA's REST API)")
    .requiredOption(
      '-b, --bundle <file|dir|url|oci://…|name=path>',
      'bundle .tar.gz, directory, bundle server URL or oci://host/repo:tag; repeat for several bundles',
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
      String(DEFAULTS.shadowQueueEvents),
    )
  // the gateway faces' flags are defined beside their configuration
  addGatewayOptions(decisionLogOptions(bundleOptions(httpOptions(command))))
    .option('--no-metrics', 'do not serve GET /metrics')
    .addOption(
      new Option('--ui <mode>', 'serve the service map page under /ui/ (auto: on when listening on loopback)')
        .choices(['auto', 'on', 'off'])
        .default(DEFAULTS.ui.mode),
    )
    .option('--instance-id <id>', "this instance's id in status and decision-log labels (default: random)")
    .option(
      '--workers <n|auto>',
      'serve from n processes sharing the port (node:cluster); auto: one per core',
      DEFAULTS.workers,
    )
    .action(serve)
}
