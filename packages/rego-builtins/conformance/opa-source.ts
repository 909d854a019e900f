// Where OPA's conformance cases come from: the OPA Go module pinned in go-helper/go.mod, fetched into the Go
// module cache (`go mod download`), which holds v1/test/cases/testdata and the wasm SDK harness' exception list.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export const helperDir = join(import.meta.dirname, 'go-helper')

/** The OPA version the helper (and so the harness) is pinned to, e.g. "v1.22.2". */
export function pinnedOpaVersion(): string {
  const gomod = readFileSync(join(helperDir, 'go.mod'), 'utf8')
  const m = /github\.com\/open-policy-agent\/opa (v\S+)/.exec(gomod)
  if (m === null) throw new Error('go-helper/go.mod does not require github.com/open-policy-agent/opa')
  return m[1] as string
}

/** The directory of the OPA module source in the Go module cache (downloading it if needed). */
export function opaModuleDir(version = pinnedOpaVersion()): string {
  const out = execFileSync(
    'go',
    ['mod', 'download', '-json', `github.com/open-policy-agent/opa@${version}`],
    {
      cwd: helperDir,
      encoding: 'utf8',
    },
  )
  const info = JSON.parse(out) as { Dir?: string; Error?: string }
  if (info.Dir === undefined) throw new Error(`go mod download failed: ${info.Error ?? out}`)
  return info.Dir
}

export function casesDir(opaDir: string): string {
  return join(opaDir, 'v1/test/cases/testdata/v1')
}

/** OPA's wasm SDK harness exceptions: case notes (or globs over them) it skips, with the reason. */
export function wasmExceptionsFile(opaDir: string): string {
  return join(opaDir, 'internal/wasm/sdk/test/e2e/exceptions.yaml')
}
