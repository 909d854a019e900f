// Puts the user's own Rego into a built wasm bundle. `opa build -t wasm` writes the compiler's rewritten modules
// (with --prune-unused, stubs of `import data.…` lines) beside policy.wasm, so GET /v1/policies would show text
// nobody wrote. OPA's bundle format lets a bundle carry .rego modules and policy.wasm together, so the build runs
// twice: the wasm build gives policy.wasm and its manifest (wasm resolvers, rule index), both placed in the staged
// copy of the sources, and a plain `opa build -b .` of that copy writes the bundle: the sources as they are (it
// checks that they compile), the data, the wasm, the manifest, and the signature when one is asked for.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readBundleArchive } from '../bundle/index.js'
import { ClearanceError, ErrorCodes } from '../errors.js'

export interface WasmParts {
  dir: string
  /** Where the wasm-only build writes its bundle. */
  output: string
  remove(): Promise<void>
}

export async function wasmBuildTarget(): Promise<WasmParts> {
  const dir = await mkdtemp(join(tmpdir(), 'clearance-wasm-'))
  return { dir, output: join(dir, 'wasm.tar.gz'), remove: () => rm(dir, { recursive: true, force: true }) }
}

/** Copies policy.wasm and the .manifest of the wasm build into the staged sources, for the bundle build. */
export async function placeWasmBeside(wasmBundle: string, stagedDir: string): Promise<void> {
  const files = await readBundleArchive(await readFile(wasmBundle))
  const wasm = files.get('/policy.wasm')
  const manifest = files.get('/.manifest')
  if (wasm === undefined || manifest === undefined) {
    throw new ClearanceError(ErrorCodes.buildError, 'opa build -t wasm wrote no policy.wasm or .manifest')
  }
  await writeFile(join(stagedDir, 'policy.wasm'), wasm)
  await writeFile(join(stagedDir, '.manifest'), manifest)
}
