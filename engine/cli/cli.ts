// The `clearance` command line: serve, build, eval, test, replay, diff, push, map. Exit codes: 0 success, 1 failure, 2 usage
// error.
import { Command, CommanderError } from 'commander'
import { ClearanceError, describeThrown } from '../errors.js'
import { VERSION } from '../version.js'
import { addBuildCommand } from './build-command.js'
import { registerDiffCommand } from './diff-command.js'
import { addEvalCommand } from './eval-command.js'
import { addMapCommand } from './map-command.js'
import { addPushCommand } from './push-command.js'
import { registerReplayCommand } from './replay-command.js'
import { addServeCommand } from './serve-command.js'
import { addTestCommand } from './test-command.js'

function buildProgram(): Command {
  const program = new Command('clearance')
    .description("Policy decision point: OPA wasm bundles served over OPA's REST API")
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError()
  addServeCommand(program)
  addBuildCommand(program)
  addEvalCommand(program)
  addTestCommand(program)
  registerReplayCommand(program)
  registerDiffCommand(program)
  addPushCommand(program)
  addMapCommand(program)
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
