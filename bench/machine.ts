// The machine the figures were measured on: they mean little without it.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { availableParallelism, release, totalmem } from 'node:os'
import { NODE24 } from '../__tests__/harness/runner.js'

export interface Machine {
  cpu: string
  cores: number
  memoryGiB: number
  node: string
  kernel: string
}

export function describeMachine(): Machine {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : ''
  const cpu = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown CPU'
  return {
    cpu,
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: execFileSync(NODE24, ['--version'], { encoding: 'utf8' }).trim(),
    kernel: `Linux ${release()}`
  }
}

export function formatMachine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, ${m.kernel}, Node ${m.node}`
}
