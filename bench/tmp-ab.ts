import { runClosedLoop } from './support/load.js'
import { startClearance, startOpa } from './support/servers.js'
import { resolveOpaBinary } from '../engine/build/opa-binary.js'
const policy = process.argv[2] ?? 'trivial'
const extra = process.argv.slice(3)
const dir = `/work/main/bench/out/neutral-${policy}`
const inputs = (await import(`/work/main/bench/neutral-policies/${policy}/inputs.json`, { with: { type: 'json' } })).default as unknown[]
const bodies = inputs.map((input) => JSON.stringify({ input }))
const servers = [
  await startClearance({ bundle: `${dir}/clearance.tar.gz`, root: '/work/main', name: 'main', serveArgs: extra }),
  await startClearance({ bundle: `${dir}/clearance.tar.gz`, name: 'fast', serveArgs: extra }),
  await startOpa({ opa: await resolveOpaBinary(), bundle: `${dir}/opa.tar.gz` }),
]
const path = `/v1/data/neutral/${policy}/allow`
for (const s of servers) await runClosedLoop({ url: s.url, path, bodies }, { connections: 16, seconds: 2 })
const res: Record<string, number[]> = {}
const cpu: Record<string, number[]> = {}
for (let round = 0; round < 3; round++) {
  for (const s of round % 2 ? [...servers].reverse() : servers) {
    const c0 = s.cpuMs()
    const r = await runClosedLoop({ url: s.url, path, bodies }, { connections: 16, seconds: 4 })
    ;(res[s.name] ??= []).push(Math.round(r.rps))
    ;(cpu[s.name] ??= []).push(Math.round(((s.cpuMs() - c0) * 1000) / r.ok))
  }
}
for (const s of servers) console.log(s.name, res[s.name]!.join(' '), 'cpu us/req', cpu[s.name]!.join(' '))
await Promise.all(servers.map((s) => s.stop()))
