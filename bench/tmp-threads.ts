import { readdirSync, readFileSync } from 'node:fs'
import { runClosedLoop } from './support/load.js'
import { startClearance } from './support/servers.js'
const serveArgs = process.argv.slice(2)
function ticks(pid: number) {
  const out: Record<string, number> = {}
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    out[t] = Number(f[11]) + Number(f[12])
  }
  return out
}
const body = JSON.stringify({ input: { user: 'alice', action: 'read' } })
const s = await startClearance({ bundle: '/work/main/bench/out/neutral-trivial/clearance.tar.gz', serveArgs })
const target = { url: s.url, path: '/v1/data/neutral/trivial/allow', bodies: [body] }
await runClosedLoop(target, { connections: 16, seconds: 2 })
const a = ticks(s.pid)
const r = await runClosedLoop(target, { connections: 16, seconds: 5 })
const b = ticks(s.pid)
console.log(Math.round(r.rps), 'rps')
for (const k of Object.keys(b)) { const d = b[k]! - (a[k] ?? 0); if (d > 0) console.log('  ', k, (d * 10000 / r.ok).toFixed(1), 'us/req') }
await s.stop()
