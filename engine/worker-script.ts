// Starts a worker thread on one of the engine's worker scripts. From dist the script is plain JavaScript, bundled
// into one file when the build made one (scripts/build-workers.mjs: a thread then starts in about half the time);
// run from TypeScript sources (tests, tsx) it is started through a small script that registers tsx's loader in
// the worker first (loader flags given in execArgv do not reach workers).
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker, type WorkerOptions } from 'node:worker_threads'

/**
 * The URL of the worker script `name` ("./evaluation-worker") beside the module at `moduleUrl`: its bundle
 * (`<name>.bundle.js`) when there is one beside compiled JavaScript.
 */
export function workerScriptUrl(name: string, moduleUrl: string): URL {
  if (moduleUrl.endsWith('.ts')) return new URL(`${name}.ts`, moduleUrl)
  const bundled = new URL(`${name}.bundle.js`, moduleUrl)
  return existsSync(fileURLToPath(bundled)) ? bundled : new URL(`${name}.js`, moduleUrl)
}

export function spawnWorker(script: URL, options: WorkerOptions): Worker {
  if (!script.pathname.endsWith('.ts')) return new Worker(script, options)
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(
    /\.cjs$/,
    '.mjs',
  )
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(script.href)}) })`
  return new Worker(bootstrap, { ...options, eval: true })
}
