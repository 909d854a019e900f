// Finds the pinned `opa` the build compiles with, installing it on first use through scripts/install-opa.sh
// (which honours OPA_BIN, then PATH, then the git-ignored .tools folder).
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { ClearanceError, ErrorCodes } from '../errors.js'
import { packageRoot } from '../version.js'

const run = promisify(execFile)
let resolved: Promise<string> | undefined

export function resolveOpaBinary(): Promise<string> {
  resolved ??= run('bash', [join(packageRoot(), 'scripts', 'install-opa.sh')], {
    maxBuffer: 16 * 1024 * 1024,
  })
    .then(({ stdout }) => stdout.trim())
    .catch((thrown: { stderr?: string; message: string }) => {
      resolved = undefined
      throw new ClearanceError(
        ErrorCodes.buildError,
        `cannot install or find opa: ${thrown.stderr?.trim() || thrown.message}`,
      )
    })
  return resolved
}
