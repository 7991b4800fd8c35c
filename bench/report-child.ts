// One cold measurement of report processing in a fresh process, as the action meets a report: once,
// in a new Node process, so that the time includes compiling the code that does it and the peak
// RSS is this measurement's alone.
//   node report-child.js parse <report.json>     JSON.parse alone
//   node report-child.js process <report.json>   what the action does with it: parse and check
//     it, collect the findings, gate, SARIF (serialised), job summary, log text, annotations
// The file is read before the clock starts (reading is the disk's time, the same for both), and
// the text is dropped once parsed, as the action drops it. Prints one JSON line: { ms, maxRssBytes }.
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { buildAnnotations } from '../src/report/annotations.js'
import { collectFindings } from '../src/report/findings.js'
import { evaluateGate } from '../src/report/gate.js'
import { renderLogText } from '../src/report/log-text.js'
import { buildSarif } from '../src/report/sarif.js'
import { renderSummary, type RunSummaryInput } from '../src/report/summary.js'
import { parseReport, type TrivyReport } from '../src/report/trivy-report.js'

const IMAGE = 'docker.io/library/alpine'
const DIGEST = 'sha256:' + 'ab12'.repeat(16)

/** Everything the report phase derives from one report; returns a size so nothing is optimised away. */
function processReport(report: TrivyReport, reportFile: string): number {
  const findings = collectFindings(report)
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
    reportFile,
    toolVersions: { trivy: '0.73.1' }
  }
  const summary = renderSummary(input)
  const log = renderLogText(input)
  const annotations = buildAnnotations(findings, gate, { image: input.imageInput })
  return sarif.json.length + summary.length + log.length + annotations.length
}

const [mode, file] = process.argv.slice(2)
if ((mode !== 'parse' && mode !== 'process') || !file) {
  console.error('usage: report-child.js parse|process <report.json>')
  process.exit(2)
}
// The text's only reference is this array, which parsing empties: once parsed, the text can be
// collected, as in the action.
const pending = [readFileSync(file, 'utf8')]
const start = performance.now()
const report = (
  mode === 'parse' ? JSON.parse(pending.pop() as string) : parseReport(pending.pop() as string)
) as TrivyReport
const check = mode === 'parse' ? (report.Results?.length ?? 0) : processReport(report, file)
const ms = performance.now() - start
console.log(JSON.stringify({ ms, maxRssBytes: process.resourceUsage().maxRSS * 1024, check }))
