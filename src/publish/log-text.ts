// The run's verdict and counts as plain text for the step log, where Markdown does not render
// and where people read it first when a job fails.
import { SEVERITIES } from '../types.js'
import type { Finding } from '../findings/findings.js'
import type { SeverityCounts } from '../findings/gate.js'
import { describeSigner } from '../signer.js'
import { findingCounts, verdictLine, type RunSummaryInput } from './summary.js'

const MAX_LOG_FINDINGS = 10

function countsLine(label: string, counts: SeverityCounts, fixable?: SeverityCounts): string {
  const parts = SEVERITIES.map((s) => {
    const fix = fixable && counts[s] > 0 ? ` (${fixable[s]} fixable)` : ''
    return `${counts[s]} ${s.toLowerCase()}${fix}`
  })
  const total = SEVERITIES.reduce((n, s) => n + counts[s], 0)
  return `${label}: ${parts.join(', ')}; ${total} in total`
}

function findingLine(f: Finding): string {
  const score = f.cvssScore !== undefined ? ` ${f.cvssScore.toFixed(1)}` : ''
  const what =
    f.kind === 'vulnerability'
      ? `${f.pkg ?? '?'} ${f.installed ?? ''} -> ${f.fixed ?? 'no fix'}`
      : `${f.path ?? f.target}${f.startLine ? `:${f.startLine}` : ''}`
  const title = f.title.replace(/\s+/g, ' ').slice(0, 120)
  return `  ${f.severity}${score} ${f.id} ${what}: ${title}${f.url ? ` ${f.url}` : ''}`
}

/** Plain-text lines, joined with newlines, for core.info. */
export function renderLogText(input: RunSummaryInput): string {
  const lines = [verdictLine(input)]
  if (input.image) lines.push(`Image: ${input.image.pinnedRef}`)
  const gate = findingCounts(input)
  if (gate) {
    lines.push(
      input.gate
        ? `Gate threshold: ${gate.threshold === 'NONE' ? 'none (never fails)' : gate.threshold}`
        : 'Gate: not run'
    )
    lines.push(countsLine('Vulnerabilities', gate.counts, gate.fixable))
    const others: Array<[string, SeverityCounts]> = [
      ['Secrets', gate.secrets],
      ['Misconfigurations', gate.misconfigurations],
      ['Licenses', gate.licenses]
    ]
    for (const [label, counts] of others) {
      if (SEVERITIES.some((s) => counts[s] > 0)) lines.push(countsLine(label, counts))
    }
  }
  const findings = input.findings ?? []
  if (findings.length > 0) {
    const shown = findings.slice(0, MAX_LOG_FINDINGS)
    lines.push(`Worst findings (${shown.length} of ${findings.length}):`, ...shown.map(findingLine))
  }
  const t = input.sarif?.truncated
  if (t) lines.push(`SARIF: kept the ${t.kept} most severe of ${t.total} findings (${t.reason})`)
  if (input.sign)
    lines.push(
      `Signed by ${describeSigner(input.sign.signer)}: ${input.sign.images.map((i) => i.signatureRef).join(', ')}`
    )
  if (input.attest)
    lines.push(
      `Attested by ${describeSigner(input.attest.signer)}: ${input.attest.images.map((i) => i.signatureRef).join(', ')}`
    )
  if (input.verify) {
    lines.push(
      input.verify.verified
        ? 'Signature verified'
        : `Signature NOT verified: ${input.verify.images.find((i) => !i.verified)?.failure ?? 'see above'}`
    )
    for (const check of input.verify.images.flatMap((i) => i.checks))
      lines.push(`  checked: ${check}`)
  }
  // Report values end up in the log: drop control characters that could forge log commands.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const control = /[\u0000-\u0008\u000a-\u001f\u007f]/g
  return lines.map((line) => line.replace(control, ' ').replace(/^::/, ': :')).join('\n')
}
