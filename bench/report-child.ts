// Report processing against JSON.parse of the same file, in one Node process.
//   node --expose-gc report-child.js time <report.json> <runs> <warm-up runs>
//     Warm-up runs of each mode, then `runs` of each, alternating, with a full collection before
//     each run (outside the clock) so that neither mode pays for the other's garbage.
//     Prints { parseMs: [...], processMs: [...] }.
//   node report-child.js rss parse|process <report.json>
//     One run in this fresh process; prints { maxRssBytes }: a peak cannot be told apart from the
//     other mode's in a shared process, so each peak gets a process of its own.
//   node report-child.js generate <findings> <report.json>
//     Writes a generated report (indented like trivy's own output). A process of its own, so that
//     the benchmark's parent never holds a big report whose collection would compete for the CPU
//     with the measured processes.
// "parse" is what any consumer of the report pays: read the file's text and JSON.parse it.
// "process" is everything the action does with a report apart from writing files (see
// src/pipeline/scan-phase.ts and src/publish/publish.ts): read the text, parse and check it, collect the findings,
// gate, SARIF (serialised to bytes, with its size check), job summary, log text and annotations.
// Like the action, it reads and parses the report in a function of its own (runScan) and keeps
// only the findings (RunState.scan), so the parsed report is garbage once they are collected.
import { readFileSync, writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { generateReport } from '../__tests__/harness/generate-report.js'
import { buildAnnotations } from '../src/publish/annotations.js'
import { collectFindings, type Finding } from '../src/findings/findings.js'
import { evaluateGate } from '../src/findings/gate.js'
import { renderLogText } from '../src/publish/log-text.js'
import { buildSarif } from '../src/publish/sarif.js'
import { renderSummary, type RunSummaryInput } from '../src/publish/summary.js'
import { parseReport } from '../src/trivy/report.js'

const IMAGE = 'docker.io/library/alpine'
const DIGEST = 'sha256:' + 'ab12'.repeat(16)

/** Returns a size that depends on every output, so that nothing is optimised away. */
function parseOnly(file: string): number {
  const report = JSON.parse(readFileSync(file, 'utf8')) as { Results?: unknown[] }
  return report.Results?.length ?? 0
}

/** What the scan phase keeps of the report: its findings. */
function scanFindings(file: string): Finding[] {
  const report = parseReport(readFileSync(file, 'utf8'))
  return collectFindings(report)
}

/** Everything the action derives from one report; returns a size so nothing is optimised away. */
function processReport(file: string): number {
  const findings = scanFindings(file)
  const gate = evaluateGate(findings, 'HIGH')
  const sarif = buildSarif(findings, {
    toolVersion: '0.73.1',
    category: 'imgsec/library-alpine',
    imageName: IMAGE
  })
  const input: RunSummaryInput = {
    imageInput: `${IMAGE}:3.10`,
    image: {
      ref: { registry: 'docker.io', repository: 'library/alpine', tag: '3.10' },
      name: IMAGE,
      digest: DIGEST,
      pinnedRef: `${IMAGE}@${DIGEST}`,
      platformImages: [{ platform: 'linux/amd64', digest: DIGEST }],
      mediaType: 'application/vnd.oci.image.index.v1+json',
      isIndex: true
    },
    steps: [
      { step: 'scan', status: 'passed', durationMs: 1200 },
      { step: 'gate', status: gate.verdict, durationMs: 1 }
    ],
    gate,
    findings,
    sarif: {
      file: 'imgsec-results.sarif',
      resultCount: sarif.resultCount,
      truncated: sarif.truncated
    },
    reportFile: file,
    toolVersions: { trivy: '0.73.1' }
  }
  const summary = renderSummary(input)
  const log = renderLogText(input)
  const annotations = buildAnnotations(findings, gate, { image: input.imageInput })
  return sarif.bytes.length + summary.length + log.length + annotations.length
}

const MODES = { parse: parseOnly, process: processReport }

function timed(work: (file: string) => number, file: string): number {
  globalThis.gc?.()
  const start = performance.now()
  work(file)
  return performance.now() - start
}

const [command, ...rest] = process.argv.slice(2)
if (command === 'time' && rest[0] && Number(rest[1]) > 0 && Number(rest[2]) >= 0) {
  const [file, runs, warmUps] = [rest[0], Number(rest[1]), Number(rest[2])]
  if (!globalThis.gc) throw new Error('run the time measurement with node --expose-gc')
  for (let i = 0; i < warmUps; i++) {
    timed(parseOnly, file)
    timed(processReport, file)
  }
  const parseMs: number[] = []
  const processMs: number[] = []
  for (let i = 0; i < runs; i++) {
    parseMs.push(timed(parseOnly, file))
    processMs.push(timed(processReport, file))
  }
  console.log(JSON.stringify({ parseMs, processMs }))
} else if (command === 'rss' && (rest[0] === 'parse' || rest[0] === 'process') && rest[1]) {
  const check = MODES[rest[0]](rest[1])
  console.log(JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024, check }))
} else if (command === 'generate' && Number(rest[0]) > 0 && rest[1]) {
  writeFileSync(rest[1], JSON.stringify(generateReport(Number(rest[0])), null, 2))
  console.log(JSON.stringify({ written: rest[1] }))
} else {
  console.error(
    'usage: report-child.js time <report.json> <runs> <warm-up runs> | rss parse|process <report.json> | generate <findings> <report.json>'
  )
  process.exit(2)
}
