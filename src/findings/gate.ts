// The gate's verdict, computed from the JSON report rather than trivy's exit code: trivy exits 1
// both for findings and for crashes, and a gate must never mistake one for the other.
import { SEVERITIES, type FailOn, type Severity } from '../types.js'
import { asFindings, severityRank, type Finding, type FindingKind } from './findings.js'
import type { TrivyReport } from '../trivy/report.js'

export type SeverityCounts = Record<Severity, number>

export interface GateResult {
  verdict: 'passed' | 'failed'
  threshold: FailOn
  /** Vulnerabilities by severity. */
  counts: SeverityCounts
  /** Vulnerabilities with a fixed version, by severity. */
  fixable: SeverityCounts
  /** All vulnerabilities (the sum of `counts`). */
  total: number
  /** Only non-zero when the secret / misconfig / license scanners ran. */
  secrets: SeverityCounts
  misconfigurations: SeverityCounts
  licenses: SeverityCounts
  /** Findings of any kind at or above the threshold; 0 when the threshold is NONE. */
  failing: number
}

export function zeroCounts(): SeverityCounts {
  return { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 }
}

/** True when a finding of this severity fails a gate with this threshold. */
export function meetsThreshold(severity: Severity, failOn: FailOn): boolean {
  return failOn !== 'NONE' && severityRank(severity) <= severityRank(failOn)
}

/** The severities that fail the gate, most severe first ([] for NONE). */
export function failingSeverities(failOn: FailOn): Severity[] {
  return SEVERITIES.filter((s) => meetsThreshold(s, failOn))
}

/**
 * Counts findings and decides the verdict. Every kind of finding counts toward the gate:
 * secrets, misconfigurations and licenses only appear when their scanners were selected.
 */
export function evaluateGate(input: readonly Finding[] | TrivyReport, failOn: FailOn): GateResult {
  const findings = asFindings(input)
  const byKind: Record<FindingKind, SeverityCounts> = {
    vulnerability: zeroCounts(),
    secret: zeroCounts(),
    misconfiguration: zeroCounts(),
    license: zeroCounts()
  }
  const fixable = zeroCounts()
  let failing = 0
  for (const finding of findings) {
    byKind[finding.kind][finding.severity]++
    if (finding.kind === 'vulnerability' && finding.fixable) fixable[finding.severity]++
    if (meetsThreshold(finding.severity, failOn)) failing++
  }
  const counts = byKind.vulnerability
  return {
    verdict: failing > 0 ? 'failed' : 'passed',
    threshold: failOn,
    counts,
    fixable,
    total: SEVERITIES.reduce((sum, s) => sum + counts[s], 0),
    secrets: byKind.secret,
    misconfigurations: byKind.misconfiguration,
    licenses: byKind.license,
    failing
  }
}

/** "3 critical, 12 high": the failing findings by severity, for titles and log lines. */
export function describeFailing(gate: GateResult): string {
  const parts: string[] = []
  for (const severity of failingSeverities(gate.threshold)) {
    const n =
      gate.counts[severity] +
      gate.secrets[severity] +
      gate.misconfigurations[severity] +
      gate.licenses[severity]
    if (n > 0) parts.push(`${n} ${severity.toLowerCase()}`)
  }
  return parts.length > 0 ? parts.join(', ') : 'no findings'
}
