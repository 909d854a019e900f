#!/usr/bin/env node
// Entry point of the `clearance` command: runs the compiled CLI (`npm run build:ts` in a checkout, or `npm pack`
// / publishing, produce dist/).
import { existsSync } from 'node:fs'

const cli = new URL('../dist/engine/cli/index.js', import.meta.url)
if (!existsSync(cli)) {
  process.stderr.write('clearance is not built yet: run `npm run build:ts` in the clearance folder first\n')
  process.exit(1)
}
const { runCli } = await import(cli.href)
process.exitCode = await runCli(process.argv)
