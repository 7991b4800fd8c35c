// Report processing against JSON.parse of the same file: generated trivy reports of 1,000, 10,000
// and 100,000 findings (indented like trivy's own output). Every measurement is one cold run in a
// fresh Node process (report-child.ts), as the action processes one report per process; the two
// modes alternate, so a busy moment of the machine hits both alike. Time and peak RSS are the
// medians over the runs.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { generateReport } from '../__tests__/harness/generate-report.js'
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

async function child(
  mode: 'parse' | 'process',
  file: string
): Promise<{ ms: number; maxRssBytes: number }> {
  const { stdout } = await run(NODE24, [CHILD, mode, file], { maxBuffer: 1024 * 1024 })
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as {
    ms: number
    maxRssBytes: number
  }
}

/** `sizes`: [finding count, runs of each mode]. */
export async function measureReports(sizes: Array<[number, number]>): Promise<ReportFigures[]> {
  const dir = mkdtempSync(join(tmpdir(), 'imgsec-bench-reports-'))
  try {
    const figures: ReportFigures[] = []
    for (const [findings, runs] of sizes) {
      const file = join(dir, `report-${findings}.json`)
      writeFileSync(file, JSON.stringify(generateReport(findings), null, 2))
      const parse: Array<{ ms: number; maxRssBytes: number }> = []
      const processed: Array<{ ms: number; maxRssBytes: number }> = []
      for (let i = 0; i < runs; i++) {
        parse.push(await child('parse', file))
        processed.push(await child('process', file))
      }
      const p = spread(parse.map((r) => r.ms))
      const q = spread(processed.map((r) => r.ms))
      figures.push({
        findings,
        fileBytes: statSync(file).size,
        parse: p,
        process: q,
        ratio: q.median / p.median,
        parseRss: spread(parse.map((r) => r.maxRssBytes)),
        processRss: spread(processed.map((r) => r.maxRssBytes))
      })
      rmSync(file)
    }
    return figures
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
