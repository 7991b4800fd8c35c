// The image's findings against a baseline's (the main branch's image, say): what is new, what is
// still there, what was fixed. A pull request is then gated on what it changes, not on everything
// its base image already had. Pure: the baseline's findings come from its verified attestation.
import type { Finding } from './findings.js'
import { evaluateGate, type GateResult } from './gate.js'
import type { FailOn } from '../types.js'

/** Each list keeps the order it was given in: worst first, as collectFindings sorts them. */
export interface BaselineComparison {
  /** In the image and not in the baseline: the only findings the gate counts. */
  added: Finding[]
  /** In both (the image's entries). */
  present: Finding[]
  /** In the baseline and no longer in the image (the baseline's entries). */
  fixed: Finding[]
}

/**
 * What makes two findings "the same": kind, id (CVE, rule, licence) and package, else the file for
 * findings without one (a secret, a misconfiguration). Not the installed version (an upgrade that
 * does not fix a CVE still has it) nor the target (it names the image, which differs between the
 * two).
 */
export function baselineKey(finding: Finding): string {
  return [finding.kind, finding.id, finding.pkg ?? finding.path ?? ''].join('\u0000')
}

/** Splits the image's and the baseline's findings into new, still present and fixed. */
export function compareWithBaseline(
  findings: readonly Finding[],
  baseline: readonly Finding[]
): BaselineComparison {
  const inBaseline = new Set(baseline.map(baselineKey))
  const inImage = new Set(findings.map(baselineKey))
  const added: Finding[] = []
  const present: Finding[] = []
  for (const finding of findings) {
    if (inBaseline.has(baselineKey(finding))) present.push(finding)
    else added.push(finding)
  }
  const fixed = baseline.filter((finding) => !inImage.has(baselineKey(finding)))
  return { added, present, fixed }
}

/** The gate over the new findings only: the baseline's findings are excused. */
export function gateNewFindings(comparison: BaselineComparison, failOn: FailOn): GateResult {
  return evaluateGate(comparison.added, failOn)
}
