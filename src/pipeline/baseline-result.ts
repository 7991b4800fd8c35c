// The baseline comparison over every platform, for the reports: new, still present and fixed
// findings (each finding once, as the gate counts them), or why the baseline was not used.
import type { BaselineComparison } from '../findings/baseline.js'
import { distinctFindings, findingKey, type Finding } from '../findings/findings.js'
import type { BaselineSummary } from '../publish/summary-baseline.js'
import type { RunState } from './run-state.js'

/** The platforms' comparisons merged, or undefined when no platform had a verified baseline. */
export function mergedComparison(state: RunState): BaselineComparison | undefined {
  const compared = (state.scans ?? []).flatMap((scan) => (scan.comparison ? [scan.comparison] : []))
  if (compared.length === 0) return undefined
  return {
    added: distinctFindings(compared.map((c) => c.added)),
    present: distinctFindings(compared.map((c) => c.present)),
    fixed: distinctFindings(compared.map((c) => c.fixed))
  }
}

/** The summary's baseline section: the comparison, or why the baseline was not used. */
export function baselineSummary(state: RunState): BaselineSummary | undefined {
  const baseline = state.baseline
  if (!baseline) return undefined
  return {
    image: baseline.image,
    comparison: mergedComparison(state),
    unusable: baseline.unusable.length > 0 ? baseline.unusable.join('; ') : undefined,
    threshold: state.inputs.failOn
  }
}

/** Findings with the new ones first (each group keeps its worst-first order). */
export function newFirst(
  findings: readonly Finding[] | undefined,
  comparison: BaselineComparison | undefined
): Finding[] | undefined {
  if (!findings || !comparison) return findings && [...findings]
  const added = new Set(comparison.added.map(findingKey))
  const isNew = (finding: Finding) => added.has(findingKey(finding))
  return [...findings.filter(isNew), ...findings.filter((finding) => !isNew(finding))]
}
