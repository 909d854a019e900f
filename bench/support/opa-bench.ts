// `opa bench` on the same query as Clearance's benchmarks: OPA's topdown evaluator on a Rego bundle, read from its
// JSON report (the query-eval histogram is the closest match to one opa_eval call).
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { decisionPath } from './bundles.js'

const run = promisify(execFile)

export interface OpaBenchNumbers {
  n: number
  nsPerOp: number
  p50Us: number
  p99Us: number
  allocsPerOp: number
}

/** Runs `opa bench` on a Rego bundle and reads its query-eval histogram. */
export async function opaBench(
  opa: string,
  bundle: string,
  inputFile: string,
  path: string = decisionPath,
): Promise<OpaBenchNumbers> {
  const { stdout } = await run(
    opa,
    ['bench', '-b', bundle, '-i', inputFile, `data.${path.replaceAll('/', '.')}`, '--format', 'json'],
    { maxBuffer: 16 * 1024 * 1024 },
  )
  const report = JSON.parse(stdout) as {
    N: number
    T: number
    MemAllocs: number
    Extra: Record<string, number>
  }
  const extra = report.Extra
  return {
    n: report.N,
    nsPerOp: report.T / report.N,
    p50Us: extra.histogram_timer_rego_query_eval_ns_median! / 1000,
    p99Us: extra['histogram_timer_rego_query_eval_ns_99%']! / 1000,
    allocsPerOp: report.MemAllocs / report.N,
  }
}
