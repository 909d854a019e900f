// deploy/ checked by tools, not by eye: every Kubernetes object against the Kubernetes OpenAPI schemas
// (kubernetes-models, offline), every `clearance serve` flag the manifests and the systemd unit pass against the
// command's own options, and the unit with systemd-analyze where it is installed.
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Deployment } from 'kubernetes-models/apps/v1/Deployment'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget'
import { Service } from 'kubernetes-models/v1/Service'
import { describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { CLEARANCE_BIN } from '../helpers/clearance-cli.js'

const run = promisify(execFile)
const DEPLOY = join(import.meta.dirname, '..', '..', 'deploy')

type Manifest = {
  apiVersion: string
  kind: string
  metadata: { name: string }
  spec: Record<string, unknown>
}
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1 Deployment': Deployment,
  'v1 Service': Service,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
}

function documents(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(join(DEPLOY, 'kubernetes', file), 'utf8')).map(
    (document) => document.toJS() as Manifest,
  )
}

function validate(manifest: Manifest): void {
  const Model = MODELS[`${manifest.apiVersion} ${manifest.kind}`]
  if (Model === undefined) throw new Error(`no schema for ${manifest.apiVersion} ${manifest.kind}`)
  new Model(manifest as never).validate()
}

type Container = { name: string; args?: string[]; readinessProbe?: { httpGet?: { path?: string } } }
const containersOf = (manifest: Manifest): Container[] =>
  ((manifest.spec.template as { spec: { containers: Container[] } }).spec.containers ?? []) as Container[]

let serveHelp: Promise<string> | undefined
const serveFlags = async (): Promise<Set<string>> => {
  serveHelp ??= run('node', [CLEARANCE_BIN, 'serve', '--help']).then((result) => result.stdout)
  return new Set([...(await serveHelp).matchAll(/--[a-z0-9-]+/g)].map((match) => match[0]))
}
const flagsOf = (args: readonly string[]): string[] =>
  args.filter((arg) => arg.startsWith('--')).map((arg) => arg.split('=')[0]!)

describe('deploy/', () => {
  it.each(['central.yaml', 'sidecar.yaml'])('%s holds valid Kubernetes objects', (file) => {
    const manifests = documents(file)
    expect(manifests.length).toBeGreaterThan(0)
    for (const manifest of manifests) expect(() => validate(manifest), manifest.kind).not.toThrow()
  })

  it('refuses a broken object, so the check above can fail', () => {
    const [deployment] = documents('central.yaml')
    const broken = structuredClone(deployment!)
    ;(containersOf(broken)[0] as unknown as { ports: unknown }).ports = [
      { name: 'http', containerPort: 'eighty-one' },
    ]
    expect(() => validate(broken)).toThrow(/containerPort must be integer/)
    const noSelector = structuredClone(deployment!)
    delete noSelector.spec.selector
    expect(() => validate(noSelector)).toThrow(/selector/)
  })

  it('gates central replicas and sidecars on /health?bundles and passes only flags serve knows', async () => {
    const known = await serveFlags()
    for (const file of ['central.yaml', 'sidecar.yaml']) {
      const deployment = documents(file).find((manifest) => manifest.kind === 'Deployment')!
      const clearance = containersOf(deployment).find((container) => container.name === 'clearance')!
      expect(clearance.readinessProbe?.httpGet?.path).toBe('/health?bundles')
      expect(clearance.args?.[0]).toBe('serve')
      for (const flag of flagsOf(clearance.args ?? [])) expect(known, `${file}: ${flag}`).toContain(flag)
    }
    const service = documents('central.yaml').find((manifest) => manifest.kind === 'Service')!
    expect((service.spec.selector as Record<string, string>)['app.kubernetes.io/name']).toBe('clearance')
  })

  it('the systemd unit passes only flags serve knows', async () => {
    const unit = readFileSync(join(DEPLOY, 'systemd', 'clearance.service'), 'utf8')
    const execStart = /^ExecStart=(.*(?:\\\n.*)*)$/m.exec(unit)![1]!.replace(/\\\n/g, ' ')
    const args = execStart.split(/\s+/).filter((arg) => arg !== '')
    expect(args.slice(0, 3)).toEqual(['/usr/bin/env', 'clearance', 'serve'])
    const known = await serveFlags()
    for (const flag of flagsOf(args)) expect(known, flag).toContain(flag)
  })

  it.skipIf(!existsSync('/usr/bin/systemd-analyze'))(
    'the systemd unit passes systemd-analyze verify',
    async () => {
      const result = await run('systemd-analyze', [
        'verify',
        join(DEPLOY, 'systemd', 'clearance.service'),
      ]).then(
        (done) => ({ code: 0, stderr: done.stderr }),
        (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
      )
      expect(result.stderr.split('\n').filter((line) => line.includes('clearance.service'))).toEqual([])
    },
  )
})
