// Report processing against JSON.parse of the same file: generated trivy reports of 1,000, 10,000
// and 100,000 findings (indented like trivy's own output). Time: one Node process per size
// (report-child.js time) warms both modes up, then alternates them, so that both run equally warm
// and a busy moment of the machine hits both alike; the figures are the medians. Peak RSS: a fresh
// process per run and mode (report-child.js rss), since two peaks in one process cannot be told
// apart.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { NODE24 } from '../__tests__/harness/runner.js'
import { spread, type Spread } from './stats.js'

const run = promisify(execFile)
const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'report-child.js')

export interface ReportFigures {
  findings: number
  fileBytes: number
  parse: Spread
  process: Spread
  /** process / parse, medians. */
  ratio: number
  parseRss: Spread
  processRss: Spread
}

/**
 * JSON.parse is native code; the report code is JavaScript that V8 compiles to optimised code only
 * once it has run often. The figures are for the steady state, as for any benchmark: enough
 * warm-up runs that the hot functions have seen WARM_UP_FINDINGS findings (on a small report one
 * run is not enough), and at least one run, which also loads what Node loads lazily (zlib).
 */
const WARM_UP_FINDINGS = 10_000
/** Peaks vary by well under 1 MB from run to run: a few fresh processes are enough. */
const RSS_RUNS = 5
const warmUpRuns = (findings: number): number => Math.max(1, Math.ceil(WARM_UP_FINDINGS / findings))

async function childJson<T>(args: string[]): Promise<T> {
  const { stdout } = await run(NODE24, [...args], { maxBuffer: 1024 * 1024 })
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as T
}

/**
 * `sizes`: [finding count, runs]: `runs` timed runs of each mode in the one process, and up to
 * RSS_RUNS fresh processes of each mode for the peak RSS.
 */
export async function measureReports(sizes: Array<[number, number]>): Promise<ReportFigures[]> {
  const dir = mkdtempSync(join(tmpdir(), 'imgsec-bench-reports-'))
  try {
    const figures: ReportFigures[] = []
    for (const [findings, runs] of sizes) {
      const file = join(dir, `report-${findings}.json`)
      await childJson([CHILD, 'generate', String(findings), file])
      const times = await childJson<{ parseMs: number[]; processMs: number[] }>([
        '--expose-gc',
        CHILD,
        'time',
        file,
        String(runs),
        String(warmUpRuns(findings))
      ])
      const parseRss: number[] = []
      const processRss: number[] = []
      for (let i = 0; i < Math.min(runs, RSS_RUNS); i++) {
        for (const [mode, peaks] of [
          ['parse', parseRss],
          ['process', processRss]
        ] as const) {
          const { maxRssBytes } = await childJson<{ maxRssBytes: number }>([
            CHILD,
            'rss',
            mode,
            file
          ])
          peaks.push(maxRssBytes)
        }
      }
      const p = spread(times.parseMs)
      const q = spread(times.processMs)
      figures.push({
        findings,
        fileBytes: statSync(file).size,
        parse: p,
        process: q,
        ratio: q.median / p.median,
        parseRss: spread(parseRss),
        processRss: spread(processRss)
      })
      rmSync(file)
    }
    return figures
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
