// Runs every TypeScript snippet in sdk/README.md as written, from the repository root, against a Clearance server
// and a bundle built from policies/: `clearance/sdk` and `clearance/sdk/local` point at the sources (the only
// change made), CLEARANCE_URL, CLEARANCE_BUNDLE and PORT=0 are set. A snippet that serves must say it is listening;
// every other one must exit 0.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../../engine/main.js'
import { buildPolicyBundle, servePolicyBundle } from './support/policy-bundle.js'

const ROOT = join(import.meta.dirname, '..', '..')
const README = readFileSync(join(ROOT, 'sdk', 'README.md'), 'utf8')
const SNIPPETS = [...README.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!)
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href

function runSnippet(
  file: string,
  env: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', TSX, file], {
      cwd: ROOT,
      env: { ...process.env, ...env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    const read = (chunk: Buffer) => {
      out += chunk.toString()
      if (/listening/.test(out)) child.kill('SIGTERM')
    }
    child.stdout.on('data', read)
    child.stderr.on('data', read)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, out })
    })
  })
}

describe('sdk/README.md snippets', () => {
  let pdp: RunningServer
  let bundle: string

  beforeAll(async () => {
    bundle = await buildPolicyBundle('sdk-readme')
    pdp = await servePolicyBundle(bundle)
  })

  afterAll(async () => {
    await pdp?.close()
  })

  it('has a snippet for the client, the local evaluator and each framework', () => {
    const all = SNIPPETS.join('\n')
    for (const name of [
      'createClient',
      'createLocalEvaluator',
      'clearanceHono',
      'clearanceExpress',
      'clearanceFastify',
      'clearanceGrpc',
      'tracer:',
    ]) {
      expect(all).toContain(name)
    }
  })

  SNIPPETS.forEach((snippet, index) => {
    it(`runs snippet ${index + 1}: ${snippet.split('\n').find((line) => line.includes("from 'clearance/sdk"))}`, async () => {
      const file = join(ROOT, 'test', 'sdk', `.readme-snippet-${index}.ts`)
      await writeFile(
        file,
        snippet
          .replaceAll("'clearance/sdk/local'", `'${join(ROOT, 'sdk', 'local', 'index.ts')}'`)
          .replaceAll("'clearance/sdk'", `'${join(ROOT, 'sdk', 'index.ts')}'`),
      )
      try {
        const { code, out } = await runSnippet(file, { CLEARANCE_URL: pdp.url, CLEARANCE_BUNDLE: bundle })
        if (/listening/.test(out)) return
        expect({ code, out }).toMatchObject({ code: 0 })
        expect(out).not.toMatch(/Error/)
      } finally {
        const { rm } = await import('node:fs/promises')
        await rm(file, { force: true })
      }
    }, 40_000)
  })
})
