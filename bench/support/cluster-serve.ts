// `clearance serve --workers <n>` for the benchmarks until engine/cli.ts carries the flag: the same wiring the CLI
// gets (the primary supervises, every worker runs startServer), with the few serve options the benchmarks use.
// Usage: node --import tsx bench/support/cluster-serve.ts --workers 2 --bundle <file> --addr 127.0.0.1:0
import { parseArgs } from 'node:util'
import { serveConfigFromOptions } from '../../engine/config/config.js'
import { createLogger } from '../../engine/log.js'
import { startServer } from '../../engine/main.js'
import {
  createClusterSupervisor,
  isClusterWorker,
  leaveCluster,
  parseWorkerCount,
} from '../../engine/server/cluster.js'

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '1' },
    bundle: { type: 'string', multiple: true },
    addr: { type: 'string', default: '127.0.0.1:8181' },
    'log-level': { type: 'string', default: 'info' },
  },
})

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'))
    process.once('SIGTERM', () => resolve('SIGTERM'))
  })
}

const config = serveConfigFromOptions({
  bundle: values.bundle ?? [],
  addr: values.addr,
  logLevel: values['log-level'],
})
const log = createLogger({ level: config.logLevel })
const workers = parseWorkerCount(values.workers)
if (workers > 1 && !isClusterWorker()) {
  const supervisor = createClusterSupervisor({ workers, log })
  await supervisor.start()
  const signal = await waitForSignal()
  log.info({ signal }, 'shutting down')
  await supervisor.stop()
} else {
  const server = await startServer(config, log)
  const signal = await waitForSignal()
  log.info({ signal }, 'shutting down')
  await server.close()
  leaveCluster()
}
log.flush()
