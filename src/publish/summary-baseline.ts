// The baseline part of the job summary: which image the findings were compared with, and how many
// are new, still present and fixed, by severity; or why the baseline was not used, so that a
// reviewer never mistakes "every finding counted" for "nothing new".
import { SEVERITIES } from '../types.js'
import type { BaselineComparison } from '../findings/baseline.js'
import type { Finding } from '../findings/findings.js'
import { meetsThreshold } from '../findings/gate.js'
import type { FailOn } from '../types.js'
import { code, escapeInline, table } from './markdown.js'

export interface BaselineSummary {
  /** The `baseline-image` input as the user wrote it. */
  image: string
  /** The comparison, when the baseline's vuln attestation was verified and read. */
  comparison?: BaselineComparison
  /** Why the baseline was not used (not found, not verified…): then every finding counted. */
  unusable?: string
  threshold: FailOn
}

function countRow(label: string, findings: readonly Finding[], threshold: FailOn): string[] {
  const cells = SEVERITIES.map((severity) => {
    const n = findings.filter((f) => f.severity === severity).length
    return n > 0 && label === 'New' && meetsThreshold(severity, threshold)
      ? `**${n}** ⛔`
      : String(n)
  })
  return [label, ...cells, String(findings.length)]
}

export function renderBaseline(summary: BaselineSummary): string {
  const name = code(summary.image)
  if (!summary.comparison) {
    const why = escapeInline(summary.unusable ?? 'its vuln attestation could not be read', 500)
    return `### ⚠️ Baseline not used\n\n${name} could not be used as the baseline: ${why}. Every finding counts.`
  }
  const { added, present, fixed } = summary.comparison
  const header = ['', ...SEVERITIES.map((s) => s[0] + s.slice(1).toLowerCase()), 'Total']
  const rows = [
    countRow('New', added, summary.threshold),
    countRow('Still present', present, summary.threshold),
    countRow('Fixed', fixed, summary.threshold)
  ]
  // Some platforms had no usable baseline: there every finding counted, and the table omits them.
  const partial = summary.unusable
    ? `\n\n⚠️ Not for every platform: ${escapeInline(summary.unusable, 500)}. The table counts only the platforms compared.`
    : ''
  return (
    `### Against the baseline\n\nCompared with ${name} (its vuln attestation verified): ` +
    `the gate counts only the ${added.length} new finding(s), listed first below.\n\n${table(header, rows)}` +
    partial
  )
}
