// Shared by the rollout tests: a copy of the policy library to change, and real decision logs recorded by a real
// `clearance serve` (file sink and, through a collector on 127.0.0.1, OPA's gzip upload protocol).
import { cp, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startServe } from '../../helpers/clearance-cli.js'
import { POLICIES } from '../../helpers/policy-bundle.js'
import { startLogCollector, waitFor } from '../decision-log/log-collector.js'

export const CATALOG = join('clearance', 'catalog', 'data.json')

/** Copies policies/ into `dir` (Rego, tests and catalog). */
export async function copyPolicies(dir: string): Promise<string> {
  await cp(POLICIES, dir, { recursive: true })
  return dir
}

export type Catalog = Record<string, Record<string, unknown>>

export async function editCatalog(dir: string, edit: (catalog: Catalog) => void): Promise<void> {
  const file = join(dir, CATALOG)
  const catalog = JSON.parse(await readFile(file, 'utf8')) as Catalog
  edit(catalog)
  await writeFile(file, `${JSON.stringify(catalog, null, 2)}\n`)
}

export interface Scenario {
  name: string
  input: Record<string, unknown>
}

export async function scenarios(): Promise<Scenario[]> {
  const file = join(POLICIES, 'scenarios.json')
  return (JSON.parse(await readFile(file, 'utf8')) as { scenarios: Scenario[] }).scenarios
}

export interface Request {
  /** "check" posts the input to /v1/check; a path posts {input} to /v1/data/<path>. */
  route: 'check' | string
  input: unknown
}

export interface Recording {
  /** The JSON-lines decision log (--decision-log-file). */
  jsonl: string
  /** The gzip JSON arrays the collector received, one file per upload. */
  gzipArrays: Array<{ name: string; bytes: Buffer }>
  /** How many requests got a decision (HTTP 200). */
  decided: number
}

/** Serves `bundle`, sends `requests` one by one, stops the server and returns what it logged. */
export async function recordDecisions(
  bundle: string,
  requests: readonly Request[],
  logFile: string,
  extraArgs: readonly string[] = [],
): Promise<Recording> {
  const collector = await startLogCollector()
  const server = await startServe([
    '--bundle',
    `clearance=${bundle}`,
    '--decision-log-file',
    logFile,
    '--decision-log-url',
    collector.url,
    '--decision-log-min-delay',
    '1',
    '--decision-log-max-delay',
    '1',
    '--decision-log-upload-limit-bytes',
    '8192',
    ...extraArgs,
  ])
  let decided = 0
  try {
    for (const request of requests) {
      const url =
        request.route === 'check' ? `${server.url}/v1/check` : `${server.url}/v1/data/${request.route}`
      const body = request.route === 'check' ? request.input : { input: request.input }
      const response = await fetch(url, { method: 'POST', body: JSON.stringify(body) })
      await response.arrayBuffer()
      if (response.status === 200) decided++
    }
    await waitFor(() => collector.events.length >= decided, 15_000, 'decision-log uploads')
  } finally {
    await server.stop()
    await collector.close()
  }
  const { gzipSync } = await import('node:zlib')
  return {
    jsonl: logFile,
    gzipArrays: collector.uploads.map((upload, i) => ({
      name: `upload-${String(i).padStart(4, '0')}.json.gz`,
      bytes: gzipSync(upload.body),
    })),
    decided,
  }
}
