// `clearance test [dir]`: the Rego unit tests of a policy folder with coverage (the pinned opa), then its
// scenarios (scenarios.json: inputs and the verdict each must get) through the wasm bundle `clearance build`
// makes of the folder, decided as POST /v1/check decides (input schema first when the folder has one).
// Exit 0 when all pass, 1 on a failing test, scenario or coverage floor, 2 on a usage error or missing file.
import { existsSync, statSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import type { Command } from 'commander'
import { createPolicyRegistry } from '../activation/index.js'
import { buildBundle, runRegoTests } from '../build/index.js'
import { loadBundleFromPath } from '../bundle/index.js'
import { DEFAULTS } from '../config/index.js'
import { createDecider, createInputValidator, decideVerdict, type Verdict } from '../decision/index.js'
import { ClearanceError, describeThrown, ErrorCodes } from '../errors.js'
import { parseJson } from '../json/index.js'
import { createPolicySet, normalizePath } from '../policy/index.js'

interface TestCommandOptions {
  coverageThreshold: string
  scenarios?: string | false
  schema?: string
  decisionPath: string
}

interface Expected {
  allow: boolean
  reason_codes?: string[]
  obligation_types?: string[]
  reason_count?: number
  reasons_mention?: Array<{ code: string; text: string }>
}

interface Scenario {
  name: string
  input: unknown
  expected: Expected
}

const usage = (message: string): ClearanceError => new ClearanceError(ErrorCodes.configError, message)

const sortedSet = (values: readonly string[]): string => JSON.stringify([...new Set(values)].sort())

/** What differs between a verdict and what the scenario expects; empty when it holds. */
function problemsOf(verdict: Verdict, expected: Expected): string[] {
  const problems: string[] = []
  if (verdict.allow !== expected.allow) problems.push(`allow ${verdict.allow}, expected ${expected.allow}`)
  const codes = sortedSet(verdict.reasons.map((r) => r.code))
  if (expected.reason_codes !== undefined && codes !== sortedSet(expected.reason_codes))
    problems.push(`reason codes ${codes}, expected ${sortedSet(expected.reason_codes)}`)
  const types = sortedSet(verdict.obligations.map((o) => o.type))
  if (expected.obligation_types !== undefined && types !== sortedSet(expected.obligation_types))
    problems.push(`obligation types ${types}, expected ${sortedSet(expected.obligation_types)}`)
  if (expected.reason_count !== undefined && verdict.reasons.length !== expected.reason_count)
    problems.push(`${verdict.reasons.length} reasons, expected ${expected.reason_count}`)
  for (const { code, text } of expected.reasons_mention ?? []) {
    if (!verdict.reasons.some((r) => r.code === code && r.message.includes(text)))
      problems.push(`no ${code} reason mentions "${text}"`)
  }
  return problems
}

async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (thrown) {
    throw usage(`cannot read ${what} "${file}": ${describeThrown(thrown)}`)
  }
  try {
    return parseJson(text)
  } catch (thrown) {
    throw usage(`${what} "${file}" is not valid JSON: ${describeThrown(thrown)}`)
  }
}

function scenariosOf(document: unknown, file: string): Scenario[] {
  const list = (document as { scenarios?: unknown } | null)?.scenarios
  const valid = (s: unknown): s is Scenario =>
    typeof (s as Scenario)?.name === 'string' && typeof (s as Scenario)?.expected?.allow === 'boolean'
  if (!Array.isArray(list) || !list.every(valid)) {
    throw usage(`"${file}" must be {"scenarios": [{"name", "input", "expected": {"allow", …}}, …]}`)
  }
  return list
}

/** Every scenario through the folder's wasm bundle; prints one line per failure and returns how many failed. */
async function runScenarios(dir: string, file: string, options: TestCommandOptions): Promise<number> {
  const scenarios = scenariosOf(await readJsonFile(file, 'scenarios file'), file)
  const schemaFile = options.schema ?? join(dir, 'schema', 'input.schema.json')
  const validateInput =
    options.schema !== undefined || existsSync(schemaFile)
      ? createInputValidator(await readJsonFile(schemaFile, 'input schema'))
      : undefined
  const work = await mkdtemp(join(tmpdir(), 'clearance-test-'))
  try {
    const output = join(work, 'bundle.tar.gz')
    await buildBundle({ source: dir, output, revision: 'clearance-test' })
    const registry = createPolicyRegistry()
    registry.activate(await createPolicySet([await loadBundleFromPath(basename(resolve(dir)), output)]))
    const deps = {
      decider: createDecider({ registry }),
      checkPath: normalizePath(options.decisionPath),
      validateInput,
    }
    let failed = 0
    for (const scenario of scenarios) {
      let verdict: Verdict
      try {
        verdict = (await decideVerdict(deps, scenario.input)).verdict
      } catch (thrown) {
        // An input the schema refuses is a deny whose reasons are the schema's errors, as /v1/check answers it.
        if (!(thrown instanceof ClearanceError) || thrown.details === undefined) {
          failed++
          process.stdout.write(`FAIL ${scenario.name}: ${describeThrown(thrown)}\n`)
          continue
        }
        verdict = { allow: false, reasons: thrown.details, obligations: [] }
      }
      const problems = problemsOf(verdict, scenario.expected)
      if (problems.length === 0) continue
      failed++
      process.stdout.write(`FAIL ${scenario.name}: ${problems.join('; ')}\n`)
    }
    process.stdout.write(`scenarios: ${scenarios.length - failed} passed, ${failed} failed\n`)
    return failed
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

async function test(dir: string, options: TestCommandOptions): Promise<void> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw usage(`policy folder "${dir}" does not exist`)
  const threshold = Number(options.coverageThreshold)
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 100) {
    throw usage(`--coverage-threshold must be a percentage from 0 to 100, not "${options.coverageThreshold}"`)
  }
  if (typeof options.scenarios === 'string' && !existsSync(options.scenarios)) {
    throw usage(`scenarios file "${options.scenarios}" does not exist (--scenarios)`)
  }
  if (options.schema !== undefined && !existsSync(options.schema)) {
    throw usage(`input schema "${options.schema}" does not exist (--schema)`)
  }
  const rego = await runRegoTests(dir, { coverageThreshold: threshold })
  const scenarioFile =
    options.scenarios === false ? undefined : (options.scenarios ?? join(dir, 'scenarios.json'))
  const failedScenarios =
    scenarioFile !== undefined && existsSync(scenarioFile)
      ? await runScenarios(dir, scenarioFile, options)
      : 0
  if (!rego.passed || failedScenarios > 0) process.exitCode = 1
}

export function addTestCommand(program: Command): void {
  program
    .command('test')
    .description(
      "run a policy folder's Rego tests with coverage (opa test) and its scenarios (scenarios.json) through the wasm bundle clearance build makes; exit 0 pass, 1 failures, 2 usage",
    )
    .argument('[dir]', 'policy folder', 'policies')
    .option('--coverage-threshold <percent>', 'fail when Rego coverage is below this', '0')
    .option('--scenarios <file>', 'scenarios to check (default: <dir>/scenarios.json when present)')
    .option('--no-scenarios', 'run the Rego tests only')
    .option(
      '--schema <file>',
      'input schema checked first (default: <dir>/schema/input.schema.json when present)',
    )
    .option('--decision-path <path>', 'decision the scenarios are checked against', DEFAULTS.checkPath)
    .action((dir: string, options: TestCommandOptions) => test(dir, options))
}
