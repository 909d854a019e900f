// Imports one entry point of the installed package and prints, as JSON, how long the import took and every module
// it loaded: ES modules through a resolve hook (registered from this file), CommonJS ones through require's
// resolver. Run as `node load-probe.mjs <specifier>` from the app that installed the package.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs'
import Module, { register } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const specifier = process.argv[2]
const log = join(tmpdir(), `load-probe-${process.pid}.txt`)
writeFileSync(log, '')
register(
  `data:text/javascript,${encodeURIComponent(`
import { appendFileSync } from 'node:fs'
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context)
  appendFileSync(${JSON.stringify(log)}, resolved.url + '\\n')
  return resolved
}`)}`,
  pathToFileURL(import.meta.filename),
)
const resolveFilename = Module._resolveFilename
Module._resolveFilename = function (...args) {
  const file = resolveFilename.apply(this, args)
  appendFileSync(log, `${file.startsWith('/') ? pathToFileURL(file).href : file}\n`)
  return file
}
const started = performance.now()
const loaded = await import(specifier)
const importMs = performance.now() - started
const modules = [
  ...new Set(
    readFileSync(log, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('file:')),
  ),
]
process.stdout.write(
  `${JSON.stringify({ specifier, importMs, exports: Object.keys(loaded).sort(), modules, rssMb: process.memoryUsage().rss / 2 ** 20 })}\n`,
)
