// Figures as the benchmark reports them: the median of repeated runs, with the spread (min–max),
// so one slow run on a busy machine shows as spread rather than moving the figure.

export interface Spread {
  median: number
  min: number
  max: number
  runs: number
}

export function spread(samples: readonly number[]): Spread {
  if (samples.length === 0) throw new Error('no samples to summarise')
  const sorted = [...samples].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  const median =
    sorted.length % 2
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
  return { median, min: sorted[0] as number, max: sorted.at(-1) as number, runs: sorted.length }
}

/** `123 ms (118–131, n=7)` */
export function formatMs(s: Spread, digits = 0): string {
  return `${s.median.toFixed(digits)} ms (${s.min.toFixed(digits)}–${s.max.toFixed(digits)}, n=${s.runs})`
}

export function formatKiB(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`
}

export function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}
