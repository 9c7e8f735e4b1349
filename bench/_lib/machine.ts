import { cpus, totalmem } from 'node:os'

/** What the figures were measured on, recorded with every result. */
export function machine(): Record<string, string | number> {
  const cpu = cpus()
  return {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  }
}
