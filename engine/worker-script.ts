// Starts a worker thread on one of the engine's worker scripts. From dist the script is plain JavaScript; run
// from TypeScript sources (tests, tsx) it is started through a small script that registers tsx's loader in the
// worker first (loader flags given in execArgv do not reach workers).
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { Worker, type WorkerOptions } from 'node:worker_threads'

/** The URL of the worker script `name` ("./evaluation-worker") beside the module at `moduleUrl`. */
export function workerScriptUrl(name: string, moduleUrl: string): URL {
  return new URL(`${name}.${moduleUrl.endsWith('.ts') ? 'ts' : 'js'}`, moduleUrl)
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
