// Validated configuration. Bad settings fail at start-up naming the field, never on the first request.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  type BundleSourceSpec,
  type BundleSpec,
  isRemote,
  isUrl,
  parseBundleSpecs,
} from '../activation/index.js'
import { type VerificationConfig, verificationFromFlags } from '../bundle/index.js'
import { type MaskRule, parseConfiguredMasks } from '../decision-log/index.js'
import { ClearanceError, ErrorCodes } from '../errors.js'
import { LOG_LEVELS, type LogLevel } from '../log.js'
import { normalizePath } from '../policy/index.js'
import { packageRoot } from '../version.js'
import { DEFAULTS } from './defaults.js'
import { type GatewayConfig, type GatewayOptions, gatewayConfigFromOptions } from './gateway-config.js'

export interface ServeConfig {
  bundles: BundleSpec[]
  host: string
  port: number
  defaultDecision: string
  maxBodyBytes: number
  logLevel: LogLevel
  /** Decision entrypoint of POST /v1/check. */
  checkPath: string
  /** JSON Schema file POST /v1/check bodies are validated against; undefined turns validation off. */
  inputSchema: string | undefined
  maxJsonDepth: number
  maxJsonElements: number
  maxConcurrent: number
  headersTimeoutMs: number
  requestTimeoutMs: number
  keepAliveTimeoutMs: number
  /** Longest time one evaluation may take; undefined: no limit (evaluation on the serving thread). */
  evaluationTimeoutMs: number | undefined
  /** Repeated inputs of deterministic policies answered from memory; undefined: off. */
  decisionCache: { maxEntries: number; maxBytes: number } | undefined
  /** --eval-threads: evaluation threads per policy module under the time limit, or `auto` (DEFAULTS.evalThreads). */
  evaluationThreads: number | 'auto'
  authentication: 'off' | 'token' | 'tls'
  tokenFile: string | undefined
  tlsCertFile: string | undefined
  tlsPrivateKeyFile: string | undefined
  tlsCaCertFile: string | undefined
  /** Where each bundle comes from: a watched file or folder, or a polled bundle server. */
  bundleSources: BundleSourceSpec[]
  /** Shadow bundles (--shadow-bundle): every decision is made again with them, off the response path. */
  shadowBundleSources: BundleSourceSpec[]
  /** Decisions waiting for shadow evaluation before new ones go unshadowed (counted). */
  shadowQueueEvents: number
  verification: VerificationConfig | undefined
  persistDir: string | undefined
  maxAgeMs: number | undefined
  reloadCooldownMs: number
  watch: boolean
  decisionLog: DecisionLogConfig
  metrics: boolean
  instanceId: string | undefined
  /** --max-bundle-memory: what loading and serving bundle data may take; the data limit derives from it. */
  maxBundleMemory: number
  /** Envoy ext_authz, forward-auth and AuthZEN; each off unless asked for. */
  gateways: GatewayConfig
  /** The service map page under /ui/: on (fail start-up if it is not built), off, or auto (on loopback). */
  ui: 'on' | 'off' | 'auto'
}

export interface DecisionLogConfig {
  console: boolean
  file: string | undefined
  url: string | undefined
  resource: string
  token: string | undefined
  uploadLimitBytes: number
  minDelayMs: number
  maxDelayMs: number
  bufferEvents: number
  bufferBytes: number
  maskRules: MaskRule[]
  allowSampleRate: number
  dropPaths: string[]
  labels: Record<string, string>
}

export interface ServeOptions extends GatewayOptions {
  bundle?: string[]
  addr?: string
  defaultDecision?: string
  maxBodyBytes?: string
  logLevel?: string
  checkPath?: string
  /** A file, or false (--no-input-schema) to turn validation off. */
  inputSchema?: string | false
  maxJsonDepth?: string
  maxJsonElements?: string
  maxConcurrent?: string
  headersTimeoutMs?: string
  requestTimeoutMs?: string
  keepAliveTimeoutMs?: string
  evalTimeoutMs?: string
  /** "on" or "off". */
  decisionCache?: string
  decisionCacheMaxEntries?: string
  decisionCacheMaxBytes?: string
  evalThreads?: string
  authentication?: string
  tokenFile?: string
  tlsCertFile?: string
  tlsPrivateKeyFile?: string
  tlsCaCertFile?: string
  watch?: boolean
  onDelete?: string
  reloadCooldown?: string
  pollingMinDelay?: string
  pollingMaxDelay?: string
  bundleTimeout?: string
  bundleMaxBytes?: string
  maxBundleMemory?: string
  bundleTokenFile?: string
  bundleClientCert?: string
  bundleClientKey?: string
  bundleCaCert?: string
  bundleRegistryUsername?: string
  bundleRegistryPasswordFile?: string
  bundleRegistryPlainHttp?: boolean
  persistDir?: string
  maxAge?: string
  verificationKey?: string
  verificationKeyId?: string
  signingAlg?: string
  scope?: string
  excludeFilesVerify?: string[]
  decisionLogConsole?: boolean
  decisionLogFile?: string
  decisionLogUrl?: string
  decisionLogResource?: string
  decisionLogTokenFile?: string
  decisionLogUploadLimitBytes?: string
  decisionLogMinDelay?: string
  decisionLogMaxDelay?: string
  decisionLogBufferEvents?: string
  decisionLogBufferBytes?: string
  decisionLogMask?: string[]
  decisionLogAllowSampleRate?: string
  decisionLogDropPath?: string[]
  decisionLogLabel?: string[]
  metrics?: boolean
  instanceId?: string
  shadowBundle?: string[]
  shadowQueueEvents?: string
  /** on, off, or auto (on when listening on loopback). */
  ui?: string
}

function invalid(field: string, message: string): ClearanceError {
  return new ClearanceError(ErrorCodes.configError, `invalid ${field}: ${message}`)
}

/** "host:port", "[::1]:port" or ":port" (all interfaces, as OPA). */
export function parseAddr(addr: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(addr)
  if (match === null) throw invalid('--addr', `"${addr}" is not host:port`)
  const port = Number(match[3])
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw invalid('--addr', `port ${match[3]} is out of range`)
  const host = match[1] ?? (match[2] === '' ? '0.0.0.0' : match[2]!)
  return { host, port }
}

function evaluationThreads(raw: string): number | 'auto' {
  return raw === 'auto' ? 'auto' : positiveInteger('--eval-threads', raw)
}

function positiveInteger(field: string, raw: string): number {
  const value = Number(raw)
  if (!Number.isSafeInteger(value) || value <= 0) throw invalid(field, `"${raw}" is not a positive integer`)
  return value
}

/** `<prefix>-min-delay` / `<prefix>-max-delay` in seconds, as milliseconds; the maximum may not be below the minimum. */
function delayRange(
  prefix: string,
  minSeconds: string | undefined,
  maxSeconds: string | undefined,
  fallback: { minDelayMs: number; maxDelayMs: number },
): { minDelayMs: number; maxDelayMs: number } {
  const minDelayMs =
    positiveInteger(`${prefix}-min-delay`, minSeconds ?? String(fallback.minDelayMs / 1000)) * 1000
  const maxDelayMs =
    positiveInteger(`${prefix}-max-delay`, maxSeconds ?? String(fallback.maxDelayMs / 1000)) * 1000
  if (maxDelayMs < minDelayMs) throw invalid(`${prefix}-max-delay`, `must not be below ${prefix}-min-delay`)
  return { minDelayMs, maxDelayMs }
}

/** --eval-timeout-ms: a positive limit, or 0 for none. */
function evaluationTimeout(raw: string): number | undefined {
  return raw.trim() === '0' ? undefined : positiveInteger('--eval-timeout-ms', raw)
}

/** --decision-cache on|off and its bounds. */
function decisionCacheOptions(options: ServeOptions): ServeConfig['decisionCache'] {
  const mode = options.decisionCache ?? (DEFAULTS.decisionCache.enabled ? 'on' : 'off')
  if (mode !== 'on' && mode !== 'off') throw invalid('--decision-cache', `"${mode}" is not on or off`)
  const maxEntries = positiveInteger(
    '--decision-cache-max-entries',
    options.decisionCacheMaxEntries ?? String(DEFAULTS.decisionCache.maxEntries),
  )
  const maxBytes = positiveInteger(
    '--decision-cache-max-bytes',
    options.decisionCacheMaxBytes ?? String(DEFAULTS.decisionCache.maxBytes),
  )
  return mode === 'off' ? undefined : { maxEntries, maxBytes }
}

/** The policy library's input schema ships with Clearance; a missing explicit file is a start-up error. */
function inputSchemaFile(option: string | false | undefined): string | undefined {
  if (option === false) return undefined
  if (option !== undefined) {
    if (!existsSync(option)) throw invalid('--input-schema', `"${option}" does not exist`)
    return option
  }
  const shipped = join(packageRoot(), 'policies', 'schema', 'input.schema.json')
  return existsSync(shipped) ? shipped : undefined
}

export function serveConfigFromOptions(options: ServeOptions): ServeConfig {
  const specs = options.bundle ?? []
  if (specs.length === 0) throw invalid('--bundle', 'at least one bundle (file or directory) is required')
  const { host, port } = parseAddr(options.addr ?? DEFAULTS.addr)
  const logLevel = (options.logLevel ?? DEFAULTS.logLevel) as LogLevel
  if (!LOG_LEVELS.includes(logLevel))
    throw invalid('--log-level', `"${options.logLevel}" is not one of ${LOG_LEVELS.join(', ')}`)
  const defaultDecision = normalizePath(options.defaultDecision ?? DEFAULTS.defaultDecision)
  if (defaultDecision === '')
    throw invalid('--default-decision', 'must name a document path such as system/main')
  return {
    bundles: parseBundleSpecs(specs),
    host,
    port,
    defaultDecision,
    maxBodyBytes: positiveInteger('--max-body-bytes', options.maxBodyBytes ?? String(DEFAULTS.maxBodyBytes)),
    logLevel,
    checkPath: normalizePath(options.checkPath ?? DEFAULTS.checkPath),
    inputSchema: inputSchemaFile(options.inputSchema),
    maxJsonDepth: positiveInteger(
      '--max-json-depth',
      options.maxJsonDepth ?? String(DEFAULTS.jsonShape.maxDepth),
    ),
    maxJsonElements: positiveInteger(
      '--max-json-elements',
      options.maxJsonElements ?? String(DEFAULTS.jsonShape.maxElements),
    ),
    maxConcurrent: positiveInteger(
      '--max-concurrent',
      options.maxConcurrent ?? String(DEFAULTS.maxConcurrent),
    ),
    headersTimeoutMs: positiveInteger(
      '--headers-timeout-ms',
      options.headersTimeoutMs ?? String(DEFAULTS.headersTimeoutMs),
    ),
    requestTimeoutMs: positiveInteger(
      '--request-timeout-ms',
      options.requestTimeoutMs ?? String(DEFAULTS.requestTimeoutMs),
    ),
    keepAliveTimeoutMs: positiveInteger(
      '--keep-alive-timeout-ms',
      options.keepAliveTimeoutMs ?? String(DEFAULTS.keepAliveTimeoutMs),
    ),
    evaluationTimeoutMs: evaluationTimeout(options.evalTimeoutMs ?? String(DEFAULTS.evalTimeoutMs)),
    decisionCache: decisionCacheOptions(options),
    evaluationThreads: evaluationThreads(options.evalThreads ?? String(DEFAULTS.evalThreads)),
    ...securityOptions(options),
    ...lifecycleOptions(options),
    decisionLog: decisionLogOptions(options),
    metrics: options.metrics ?? true,
    instanceId: options.instanceId,
    maxBundleMemory: positiveInteger(
      '--max-bundle-memory',
      options.maxBundleMemory ?? String(DEFAULTS.maxBundleMemory),
    ),
    gateways: gatewayConfigFromOptions(options),
    ui: uiMode(options.ui ?? DEFAULTS.ui.mode),
  }
}

function uiMode(mode: string): ServeConfig['ui'] {
  if (mode === 'on' || mode === 'off' || mode === 'auto') return mode
  throw invalid('--ui', `"${mode}" is not one of on, off, auto`)
}

function decisionLogOptions(options: ServeOptions): DecisionLogConfig {
  const rate = Number(options.decisionLogAllowSampleRate ?? String(DEFAULTS.decisionLog.allowSampleRate))
  if (!(rate >= 0 && rate <= 1)) throw invalid('--decision-log-allow-sample-rate', 'must be between 0 and 1')
  const labels: Record<string, string> = {}
  for (const label of options.decisionLogLabel ?? []) {
    const eq = label.indexOf('=')
    if (eq <= 0) throw invalid('--decision-log-label', `"${label}" is not key=value`)
    labels[label.slice(0, eq)] = label.slice(eq + 1)
  }
  if (options.decisionLogUrl !== undefined && !isUrl(options.decisionLogUrl)) {
    throw invalid('--decision-log-url', `"${options.decisionLogUrl}" is not an http(s) URL`)
  }
  const { minDelayMs, maxDelayMs } = delayRange(
    '--decision-log',
    options.decisionLogMinDelay,
    options.decisionLogMaxDelay,
    DEFAULTS.decisionLog,
  )
  return {
    console: options.decisionLogConsole ?? false,
    file: options.decisionLogFile,
    url: options.decisionLogUrl,
    resource: options.decisionLogResource ?? DEFAULTS.decisionLog.resource,
    token: readFileOption('--decision-log-token-file', options.decisionLogTokenFile)?.toString('utf8').trim(),
    uploadLimitBytes: positiveInteger(
      '--decision-log-upload-limit-bytes',
      options.decisionLogUploadLimitBytes ?? String(DEFAULTS.decisionLog.uploadLimitBytes),
    ),
    minDelayMs,
    maxDelayMs,
    bufferEvents: positiveInteger(
      '--decision-log-buffer-events',
      options.decisionLogBufferEvents ?? String(DEFAULTS.decisionLog.bufferEvents),
    ),
    bufferBytes: positiveInteger(
      '--decision-log-buffer-bytes',
      options.decisionLogBufferBytes ?? String(DEFAULTS.decisionLog.bufferBytes),
    ),
    maskRules: parseConfiguredMasks(options.decisionLogMask ?? [], '--decision-log-mask'),
    allowSampleRate: rate,
    dropPaths: (options.decisionLogDropPath ?? []).map(normalizePath),
    labels,
  }
}

function readFileOption(field: string, file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined
  if (!existsSync(file)) throw invalid(field, `"${file}" does not exist`)
  return readFileSync(file)
}

/** Hot reload, remote polling, persistence, staleness and signature verification. */
function lifecycleOptions(
  options: ServeOptions,
): Pick<
  ServeConfig,
  | 'bundleSources'
  | 'shadowBundleSources'
  | 'shadowQueueEvents'
  | 'verification'
  | 'persistDir'
  | 'maxAgeMs'
  | 'reloadCooldownMs'
  | 'watch'
> {
  const onDelete = options.onDelete ?? DEFAULTS.onDelete
  if (onDelete !== 'keep' && onDelete !== 'drop')
    throw invalid('--on-delete', `"${onDelete}" is not keep or drop`)
  const { minDelayMs, maxDelayMs } = delayRange(
    '--polling',
    options.pollingMinDelay,
    options.pollingMaxDelay,
    DEFAULTS.polling,
  )
  const token = readFileOption('--bundle-token-file', options.bundleTokenFile)?.toString('utf8').trim()
  const cert = readFileOption('--bundle-client-cert', options.bundleClientCert)
  const key = readFileOption('--bundle-client-key', options.bundleClientKey)
  if ((cert === undefined) !== (key === undefined)) {
    throw invalid('--bundle-client-cert', 'needs --bundle-client-key with it (and the other way round)')
  }
  const credentials = {
    bearerToken: token,
    clientCertificate: cert === undefined || key === undefined ? undefined : { cert, key },
    caCertificate: readFileOption('--bundle-ca-cert', options.bundleCaCert),
  }
  const timeoutMs = positiveInteger(
    '--bundle-timeout',
    options.bundleTimeout ?? String(DEFAULTS.bundleTimeoutMs),
  )
  const maxDownloadBytes =
    options.bundleMaxBytes === undefined
      ? undefined
      : positiveInteger('--bundle-max-bytes', options.bundleMaxBytes)
  const registry = {
    username: options.bundleRegistryUsername,
    password: readFileOption('--bundle-registry-password-file', options.bundleRegistryPasswordFile)
      ?.toString('utf8')
      .trim(),
    plainHttp: options.bundleRegistryPlainHttp ?? false,
  }
  const sourceOf = (spec: BundleSpec): BundleSourceSpec =>
    isRemote(spec.path)
      ? {
          name: spec.name,
          url: spec.path,
          polling: { minDelayMs, maxDelayMs },
          credentials,
          timeoutMs,
          maxDownloadBytes,
          registry,
        }
      : { name: spec.name, path: spec.path, onDelete }
  return {
    bundleSources: parseBundleSpecs(options.bundle ?? []).map(sourceOf),
    shadowBundleSources: parseBundleSpecs(options.shadowBundle ?? []).map(sourceOf),
    shadowQueueEvents: positiveInteger(
      '--shadow-queue-events',
      options.shadowQueueEvents ?? String(DEFAULTS.shadowQueueEvents),
    ),
    verification: verificationFromFlags(options),
    persistDir: options.persistDir,
    maxAgeMs: options.maxAge === undefined ? undefined : positiveInteger('--max-age', options.maxAge),
    reloadCooldownMs: positiveInteger(
      '--reload-cooldown',
      options.reloadCooldown ?? String(DEFAULTS.reloadCooldownMs),
    ),
    watch: options.watch ?? true,
  }
}

const AUTHENTICATION_MODES = ['off', 'token', 'tls'] as const

function existingFile(field: string, file: string | undefined): string | undefined {
  if (file !== undefined && !existsSync(file)) throw invalid(field, `"${file}" does not exist`)
  return file
}

/** OPA's flags: --authentication, --tls-cert-file, --tls-private-key-file, --tls-ca-cert-file; plus --token-file. */
function securityOptions(
  options: ServeOptions,
): Pick<ServeConfig, 'authentication' | 'tokenFile' | 'tlsCertFile' | 'tlsPrivateKeyFile' | 'tlsCaCertFile'> {
  const authentication = (options.authentication ?? DEFAULTS.authentication) as ServeConfig['authentication']
  if (!AUTHENTICATION_MODES.includes(authentication)) {
    throw invalid(
      '--authentication',
      `"${options.authentication}" is not one of ${AUTHENTICATION_MODES.join(', ')}`,
    )
  }
  const tokenFile = existingFile('--token-file', options.tokenFile)
  const tlsCertFile = existingFile('--tls-cert-file', options.tlsCertFile)
  const tlsPrivateKeyFile = existingFile('--tls-private-key-file', options.tlsPrivateKeyFile)
  const tlsCaCertFile = existingFile('--tls-ca-cert-file', options.tlsCaCertFile)
  if ((tlsCertFile === undefined) !== (tlsPrivateKeyFile === undefined)) {
    throw invalid('--tls-cert-file', 'needs --tls-private-key-file with it (and the other way round)')
  }
  if (authentication === 'token' && tokenFile === undefined)
    throw invalid('--token-file', 'is required by --authentication=token')
  if (authentication === 'tls' && (tlsCaCertFile === undefined || tlsCertFile === undefined)) {
    throw invalid(
      '--tls-ca-cert-file',
      '--authentication=tls needs --tls-cert-file, --tls-private-key-file and --tls-ca-cert-file',
    )
  }
  return { authentication, tokenFile, tlsCertFile, tlsPrivateKeyFile, tlsCaCertFile }
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}
