// The package as a user gets it: `npm pack` (the root and the @clearance/rego-builtins workspace it depends on),
// installed into a temporary app from the npm cache, each export imported from that app in a fresh node process.
// `clearance/sdk` must load no engine file and none of the policy dependencies; the example services (hono,
// Express, fastify, gRPC) run against the installed package and a server its CLI started: allowed, denied, PDP
// down, and no masked field in any response. Needs the build (`npm run build:ts`, which `npm test` runs first).
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/fixtures.js'
import { closedPortUrl } from '../sdk/support/fake-pdp.js'
import { buildPolicyBundle } from '../sdk/support/policy-bundle.js'

const run = promisify(execFile)
const ROOT = join(import.meta.dirname, '..', '..')
const BUILTINS = join(ROOT, 'packages', 'rego-builtins', 'package.json')
const FORBIDDEN = [
  '@open-policy-agent/opa-wasm',
  'ajv',
  'graphql',
  'jose',
  'yaml',
  'pino',
  '@clearance/rego-builtins',
]
const EXAMPLE_FRAMEWORKS = ['express@^4', 'fastify@^5', '@grpc/grpc-js@^1']

interface Probe {
  specifier: string
  importMs: number
  exports: string[]
  modules: string[]
  rssMb: number
}

describe('the packed package, installed into an app', () => {
  let app: string
  let pdp: ChildProcess | undefined

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist', 'sdk', 'index.js'))) throw new Error('build first: npm run build:ts')
    const dir = await tempDir()
    // The build is already there; prepack would only repeat it.
    const tarballs = [...(existsSync(BUILTINS) ? [['-w', '@clearance/rego-builtins']] : []), []]
    for (const workspace of tarballs) {
      await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir, ...workspace], { cwd: ROOT })
    }
    app = join(dir, 'app')
    await mkdir(app)
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }))
    const packed = (await readdir(dir)).filter((file) => file.endsWith('.tgz')).map((file) => join(dir, file))
    await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        ...packed,
        ...EXAMPLE_FRAMEWORKS,
      ],
      { cwd: app, timeout: 60_000 },
    )
  }, 90_000)

  afterAll(() => {
    if (pdp?.exitCode === null) pdp.kill('SIGTERM')
  })

  /** The probe runs from a copy inside the app: imports resolve from the importing file, and from test/ the
   * repository's own package (self-reference by name) would answer. */
  async function probe(specifier: string): Promise<Probe> {
    const copy = join(app, 'load-probe.mjs')
    if (!existsSync(copy)) await copyFile(join(import.meta.dirname, 'support', 'load-probe.mjs'), copy)
    const { stdout } = await run(process.execPath, [copy, specifier], { cwd: app })
    const loaded = JSON.parse(stdout) as Probe
    expect(
      loaded.modules.filter(
        (url) => !url.includes('/app/node_modules/') && !url.endsWith('/app/load-probe.mjs'),
      ),
    ).toEqual([])
    return loaded
  }

  it('ships only what the package needs', async () => {
    const pkg = JSON.parse(await readFile(join(app, 'node_modules', 'clearance', 'package.json'), 'utf8'))
    expect(pkg.scripts.prepare).toBeUndefined()
    const files = await readdir(join(app, 'node_modules', 'clearance'), { recursive: true })
    expect(
      files.filter((file) => /^(test|bench|examples|engine|sdk|policies\/clearance)\//.test(file)),
    ).toEqual([])
    expect(
      files.filter((file) => file.endsWith('.map') || (file.endsWith('.ts') && !file.endsWith('.d.ts'))),
    ).toEqual([])
    expect(files).toContain(join('policies', 'schema', 'input.schema.json'))
  })

  it('gives types under moduleResolution node10 and nodenext', async () => {
    await writeFile(
      join(app, 'types.ts'),
      [
        "import { type CheckDecision, createClient, type GuardOptions } from 'clearance/sdk'",
        "import { createLocalEvaluator, type LocalEvaluator } from 'clearance/sdk/local'",
        "import { VERSION } from 'clearance/engine'",
        "export const client = createClient({ url: 'http://127.0.0.1:8181' })",
        'export type Types = [CheckDecision, GuardOptions, LocalEvaluator, typeof createLocalEvaluator, typeof VERSION]',
        // A wrong use must fail, so the types are really there (not any).
        '// @ts-expect-error: url is required',
        'createClient({})',
      ].join('\n'),
    )
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
    for (const [module, resolution] of [
      ['commonjs', 'node10'],
      ['nodenext', 'nodenext'],
    ] as const) {
      await run(
        process.execPath,
        [
          tsc,
          '--noEmit',
          '--strict',
          '--skipLibCheck',
          '--module',
          module,
          '--moduleResolution',
          resolution,
          '--types',
          'node',
          'types.ts',
        ],
        { cwd: app },
      ).catch((failure: { stdout?: string }) => {
        throw new Error(`tsc (${resolution}) failed:\n${failure.stdout ?? ''}`)
      })
    }
  })

  it('imports clearance/sdk without loading any engine file or policy dependency', async () => {
    const loaded = await probe('clearance/sdk')
    expect(loaded.exports).toEqual(
      expect.arrayContaining([
        'createClient',
        'clearanceHono',
        'clearanceExpress',
        'clearanceFastify',
        'clearanceGrpc',
      ]),
    )
    expect(loaded.modules.some((url) => url.includes('/node_modules/clearance/dist/sdk/'))).toBe(true)
    expect(loaded.modules.filter((url) => url.includes('/node_modules/clearance/dist/engine/'))).toEqual([])
    for (const name of [...FORBIDDEN, '@grpc/grpc-js', 'fastify', '@opentelemetry/api']) {
      expect(loaded.modules.filter((url) => url.includes(`/node_modules/${name}/`))).toEqual([])
    }
    console.log(
      `clearance/sdk: ${loaded.modules.length} modules, ${loaded.importMs.toFixed(0)} ms, RSS ${loaded.rssMb.toFixed(0)} MB`,
    )
  })

  it('imports clearance/sdk/local and clearance/engine', async () => {
    const local = await probe('clearance/sdk/local')
    expect(local.exports).toEqual(
      expect.arrayContaining(['createLocalEvaluator', 'PdpError', 'ClearanceError']),
    )
    const engine = await probe('clearance/engine')
    expect(engine.exports).toEqual(
      expect.arrayContaining(['createDecider', 'createPolicyRegistry', 'VERSION']),
    )
    for (const loaded of [local, engine]) {
      console.log(
        `${loaded.specifier}: ${loaded.modules.length} modules, ${loaded.importMs.toFixed(0)} ms, RSS ${loaded.rssMb.toFixed(0)} MB`,
      )
    }
  })

  it('runs the hono, Express, fastify and gRPC examples against the installed package', async () => {
    // The examples, as a user would copy them, importing the package by name.
    for (const file of [
      'mesh.ts',
      'orders-service.ts',
      'payments-service.ts',
      'export-service.ts',
      'customers-service.ts',
    ]) {
      const text = await readFile(join(ROOT, 'examples', file), 'utf8')
      await writeFile(
        join(app, file),
        text
          .replaceAll("'../sdk/local/index.js'", "'clearance/sdk/local'")
          .replaceAll("'../sdk/index.js'", "'clearance/sdk'"),
      )
    }
    const runner = await readFile(join(import.meta.dirname, 'support', 'run-examples.ts'), 'utf8')
    await writeFile(join(app, 'run-examples.ts'), runner.replaceAll('../../../examples/', './'))
    const bundle = await buildPolicyBundle('packed-1')
    await copyFile(bundle, join(app, 'clearance.tar.gz'))

    // Clearance itself, from the installed package's CLI.
    const url = await closedPortUrl()
    pdp = spawn(
      process.execPath,
      [
        join(app, 'node_modules', 'clearance', 'bin', 'clearance.js'),
        'serve',
        '--bundle',
        'clearance=clearance.tar.gz',
        '--addr',
        new URL(url).host,
      ],
      { cwd: app, stdio: 'ignore' },
    )
    const deadline = Date.now() + 30_000
    while (
      !(await fetch(`${url}/health`).then(
        (res) => res.ok,
        () => false,
      ))
    ) {
      if (Date.now() > deadline) throw new Error('the packaged clearance serve did not become healthy')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }

    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href
    const { stdout } = await run(
      process.execPath,
      ['--import', tsx, 'run-examples.ts', url, join(app, 'clearance.tar.gz'), await closedPortUrl()],
      { cwd: app, timeout: 40_000 },
    )
    const results = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<
      string,
      { status: number | string; body: string }
    >
    expect(Object.fromEntries(Object.entries(results).map(([name, { status }]) => [name, status]))).toEqual({
      'hono allowed': 201,
      'hono denied': 403,
      'hono pdp down': 503,
      'express allowed': 200,
      'express denied': 403,
      'fastify allowed': 200,
      'fastify allowed, streamed': 200,
      'fastify denied': 403,
      'fastify pdp down': 503,
      'grpc allowed': 'OK',
      'grpc denied': 7,
      'grpc pdp down': 14,
    })
    // Masked: the card in every charge answer, the customers' contact details in every export form.
    for (const body of [results['hono allowed']!.body, results['express allowed']!.body]) {
      expect(body).not.toContain('4111111111111111')
      expect(body).not.toContain('12/29')
      expect(body).toContain('"pan":"***"')
    }
    for (const name of ['fastify allowed', 'fastify allowed, streamed']) {
      for (const secret of ['carol@example.net', 'Carol', '555 0100', '1 Main St']) {
        expect(results[name]!.body).not.toContain(secret)
      }
    }
    // Nothing internal in any refusal.
    for (const name of ['hono pdp down', 'fastify pdp down', 'hono denied']) {
      expect(results[name]!.body).not.toContain('127.0.0.1')
      expect(results[name]!.body).not.toContain('reasons')
    }
  }, 80_000)
})
