// What the numbers were measured on: cores, CPU model, memory, Node and opa versions, and the load average at the
// start (other processes share this machine; a high load explains noisy rounds).
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { availableParallelism, loadavg, totalmem } from 'node:os'

export interface MachineInfo {
  nproc: number
  cpuModel: string
  memoryGiB: number
  node: string
  opa: string
  loadAverage: string
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'))
    return line?.split(':')[1]?.trim() ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

export function describeMachine(opa: string): MachineInfo {
  let opaVersion = 'unknown'
  try {
    opaVersion =
      /Version: (\S+)/.exec(execFileSync(opa, ['version'], { encoding: 'utf8' }))?.[1] ?? opaVersion
  } catch {
    // reported as unknown
  }
  return {
    nproc: availableParallelism(),
    cpuModel: cpuModel(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    opa: opaVersion,
    loadAverage: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  }
}
