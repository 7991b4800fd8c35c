// Secret masking, one owner: the runner masks a registered value line by line, so a multi-line secret
// (a PEM key) is registered whole and as each of its lines that carries key material.
import * as core from '@actions/core'

// Shorter lines (the tail of a base64 block, `Proc-Type: 4`) would mask common text all over the log.
const MIN_MASKED_LINE = 8

/** The lines of a multi-line secret that carry key material; PEM armour lines are common words. */
export function secretLines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length >= MIN_MASKED_LINE && !line.startsWith('-----'))
}

/** Registers a secret with the runner: the whole value, and each line of a multi-line one. */
export function registerSecret(value: string | undefined): void {
  if (!value) return
  core.setSecret(value)
  if (/[\r\n]/.test(value)) for (const line of secretLines(value)) core.setSecret(line)
}
