// Validated configuration. Bad settings fail at start-up naming the field, never on the first request.
import { existsSync } from 'node:fs'
import { basename, join } from 'node:path'
import { ClearanceError, ErrorCodes } from './errors.js'
import { normalizePath } from './evaluator/policy-set.js'
import { LOG_LEVELS, type LogLevel } from './log.js'
import { packageRoot } from './version.js'

export interface BundleSpec {
  name: string
  path: string
}

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
}

export interface ServeOptions {
  bundle?: string[]
  addr?: string
  defaultDecision?: string
  maxBodyBytes?: string
  logLevel?: string
  checkPath?: string
  /** A file, or false (--no-input-schema) to turn validation off. */
  inputSchema?: string | false
}

function invalid(field: string, message: string): ClearanceError {
  return new ClearanceError(ErrorCodes.configError, `invalid ${field}: ${message}`)
}

/** "name=path" or "path" (named after the file, without .tar.gz). */
export function parseBundleSpec(spec: string): BundleSpec {
  const eq = spec.indexOf('=')
  if (eq > 0) return { name: spec.slice(0, eq), path: spec.slice(eq + 1) }
  const name = basename(spec.replace(/\/+$/, '')).replace(/\.tar\.gz$|\.tgz$/, '')
  return { name, path: spec }
}

export function parseBundleSpecs(specs: readonly string[]): BundleSpec[] {
  const bundles = specs.map(parseBundleSpec)
  const seen = new Set<string>()
  for (const bundle of bundles) {
    if (bundle.name === '') throw invalid('--bundle', `"${bundle.path}" gives an empty bundle name`)
    if (seen.has(bundle.name))
      throw invalid('--bundle', `two bundles are named "${bundle.name}"; use name=path to tell them apart`)
    seen.add(bundle.name)
  }
  return bundles
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

function positiveInteger(field: string, raw: string): number {
  const value = Number(raw)
  if (!Number.isSafeInteger(value) || value <= 0) throw invalid(field, `"${raw}" is not a positive integer`)
  return value
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
  const { host, port } = parseAddr(options.addr ?? '127.0.0.1:8181')
  const logLevel = (options.logLevel ?? 'info') as LogLevel
  if (!LOG_LEVELS.includes(logLevel))
    throw invalid('--log-level', `"${options.logLevel}" is not one of ${LOG_LEVELS.join(', ')}`)
  const defaultDecision = normalizePath(options.defaultDecision ?? 'system/main')
  if (defaultDecision === '')
    throw invalid('--default-decision', 'must name a document path such as system/main')
  return {
    bundles: parseBundleSpecs(specs),
    host,
    port,
    defaultDecision,
    maxBodyBytes: positiveInteger('--max-body-bytes', options.maxBodyBytes ?? String(8 * 1024 * 1024)),
    logLevel,
    checkPath: normalizePath(options.checkPath ?? 'clearance/authz/decision'),
    inputSchema: inputSchemaFile(options.inputSchema),
  }
}
