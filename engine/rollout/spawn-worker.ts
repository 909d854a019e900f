// Starts a worker thread on an engine module given without its extension. From dist the module is plain
// JavaScript; run from TypeScript sources (tests, tsx) it is started through a small script that registers tsx's
// loader in the worker first, as the policy's evaluation threads are (loader flags do not reach workers).
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { Worker, type WorkerOptions } from 'node:worker_threads'

const fromSources = import.meta.url.endsWith('.ts')

export function spawnEngineWorker(moduleWithoutExtension: URL, options: WorkerOptions): Worker {
  const url = new URL(`${moduleWithoutExtension.href}.${fromSources ? 'ts' : 'js'}`)
  if (!fromSources) return new Worker(url, options)
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(
    /\.cjs$/,
    '.mjs',
  )
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}) })`
  return new Worker(bootstrap, { ...options, eval: true })
}
