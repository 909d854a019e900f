// `clearance replay`: re-decides recorded decisions with a candidate bundle and reports what would change.
// Exit codes: 0 done (gate passed), 3 the --fail-on gate failed, 1 failure, 2 usage error.
import { writeFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { ClearanceError, ErrorCodes } from '../errors.js'
import {
  createBundleWorkspace,
  formatReplay,
  parseFailOn,
  parseFormat,
  type ReplayProgress,
  type ResolvedBundle,
  replayReport,
  resolveLogFiles,
  runReplay,
} from '../rollout/index.js'

export const GATE_FAILED_EXIT_CODE = 3
const PROGRESS_FROM_BYTES = 8 * 1024 * 1024

interface ReplayCommandOptions {
  bundle: string[]
  baseline?: string[]
  failOn?: string
  format?: string
  threads?: string
  progress?: boolean
  reportJson?: string
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

function progressBar(stream: NodeJS.WriteStream): (progress: ReplayProgress) => void {
  let last = -1
  return ({ bytesRead, totalBytes }) => {
    if (totalBytes < PROGRESS_FROM_BYTES) return
    const percent = Math.min(100, Math.floor((bytesRead * 100) / totalBytes))
    if (percent === last) return
    last = percent
    const width = 30
    const filled = Math.round((percent * width) / 100)
    stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}%`)
    if (percent === 100) stream.write('\n')
  }
}

function threadCount(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  const threads = Number(raw)
  if (!Number.isSafeInteger(threads) || threads < 1) {
    throw new ClearanceError(ErrorCodes.configError, `invalid --threads: "${raw}" is not a positive integer`)
  }
  return threads
}

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('re-decide recorded decisions with a candidate bundle and report which answers would change')
    .argument(
      '<logs...>',
      'decision logs: JSON-lines files, gzip JSON arrays (a collector), folders or globs',
    )
    .requiredOption(
      '-b, --bundle <location>',
      'candidate: bundle .tar.gz, bundle folder or policy folder (built first); repeat for several bundles',
      collect,
    )
    .option(
      '--baseline <location>',
      'compare with this bundle re-deciding the same inputs instead of the results in the log',
      collect,
    )
    .option('--fail-on <what>', 'exit with status 3 on: newly-allowed | any-change')
    .option('--format <format>', 'table | json | markdown', 'table')
    .option('--report-json <file>', 'also write the JSON report to this file (CI keeps it as an artifact)')
    .option('--threads <n>', 'worker threads (default: one per core)')
    .option('--no-progress', 'no progress bar on large logs')
    .action(async (logs: string[], options: ReplayCommandOptions) => {
      const failOn = parseFailOn(options.failOn)
      const format = parseFormat(options.format)
      const files = await resolveLogFiles(logs)
      const workspace = createBundleWorkspace()
      try {
        const candidate: ResolvedBundle[] = []
        for (const spec of options.bundle) candidate.push(await workspace.resolve(spec))
        let baseline: ResolvedBundle[] | undefined
        if (options.baseline !== undefined) {
          baseline = []
          for (const spec of options.baseline) baseline.push(await workspace.resolve(spec))
        }
        const showProgress = options.progress !== false && format === 'table' && process.stderr.isTTY === true
        const result = await runReplay({
          candidate,
          baseline,
          files,
          threads: threadCount(options.threads),
          onProgress: showProgress ? progressBar(process.stderr) : undefined,
        })
        const report = replayReport(result, failOn)
        process.stdout.write(formatReplay(report, format))
        if (options.reportJson !== undefined)
          await writeFile(options.reportJson, formatReplay(report, 'json'))
        if (report.gate?.failed === true) process.exitCode = GATE_FAILED_EXIT_CODE
      } finally {
        await workspace.close()
      }
    })
}
