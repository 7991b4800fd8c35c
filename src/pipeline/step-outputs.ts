// The step outputs of SPEC.md, written from whatever the run produced (also when it failed). For a
// multi-platform image the counts and `gate` cover all platforms, and `platforms` has each one.
import * as core from '@actions/core'
import { gateOutput, overallCounts, platformReports } from './run-result.js'
import { SEVERITIES } from '../types.js'
import type { GateResult } from '../findings/gate.js'
import type { Finding } from '../findings/findings.js'
import { targetLabel, type RunState } from './run-state.js'
import { mergedComparison } from './baseline-result.js'

/** `vulnerabilities`' shape: counts by severity, the total, and fixable counts by severity. */
function countsJson(gate: GateResult): Record<string, number | Record<string, number>> {
  const counts: Record<string, number | Record<string, number>> = {}
  const fixable: Record<string, number> = {}
  for (const severity of SEVERITIES) {
    counts[severity.toLowerCase()] = gate.counts[severity]
    fixable[severity.toLowerCase()] = gate.fixable[severity]
  }
  counts['total'] = gate.total
  counts['fixable'] = fixable
  return counts
}

/**
 * `platforms`: per scanned target its platform, digest, verdict (`skipped` without the gate step),
 * counts as in `vulnerabilities`, report file and SBOM file; empty when the scan gave no report.
 */
function platformsJson(state: RunState): string {
  if (!state.scans) return ''
  const entries = platformReports(state).map((p) => ({
    platform: p.platform ?? null,
    digest: p.digest ?? null,
    verdict: p.counts ? (p.gated ? p.counts.verdict : 'skipped') : 'error',
    counts: p.counts ? countsJson(p.counts) : null,
    'report-file': p.reportFile ?? null,
    'sbom-file': p.sbomFile ?? null
  }))
  return JSON.stringify(entries)
}

/** `verification`: every check of every verified digest, flat, for `jq` and `fromJSON`. */
function verificationJson(state: RunState): string {
  if (!state.verify) return ''
  const checks = state.verify.images.flatMap((image) =>
    image.checks.map((check) => ({
      image: targetLabel(image.target),
      digest: image.target.digest ?? null,
      ...check
    }))
  )
  return JSON.stringify(checks)
}

/**
 * Where the signature is: the index's (or the single image's) signature; when a subset of an
 * index's platforms was signed, each platform image's, one per line.
 */
function signatureRef(state: RunState): string {
  const images = state.sign?.images ?? []
  const index = images.find((image) => image.target.index)
  return index ? index.signatureRef : images.map((image) => image.signatureRef).join('\n')
}

/** `findings`: all platforms' findings merged, when the caller has them (else merged here). */
export function writeOutputs(
  state: RunState,
  sarifFile: string | undefined,
  findings?: readonly Finding[]
): void {
  const { image, scans, tools, inputs } = state
  // Counts come from the reports even when the gate step was not selected.
  const gate = overallCounts(state, findings)
  core.setOutput('digest', image?.digest ?? '')
  core.setOutput('image-ref', image?.pinnedRef ?? '')
  // One report per target; several are one path per line, in scan order.
  core.setOutput('report-file', (scans ?? []).map((scan) => scan.reportFile).join('\n'))
  core.setOutput('sarif-file', sarifFile ?? '')
  for (const severity of SEVERITIES) {
    core.setOutput(severity.toLowerCase(), gate ? String(gate.counts[severity]) : '')
  }
  core.setOutput('vulnerabilities', gate ? JSON.stringify(countsJson(gate)) : '')
  core.setOutput('platforms', platformsJson(state))
  const sboms = (scans ?? []).flatMap((scan) => (scan.sbomFile ? [scan.sbomFile] : []))
  core.setOutput('sbom-files', sboms.join('\n'))
  core.setOutput('gate', gateOutput(state))
  core.setOutput('signed', String((state.sign?.images.length ?? 0) > 0))
  core.setOutput('attested', String((state.attest?.images.length ?? 0) > 0))
  core.setOutput('verified', String(state.verify?.verified === true))
  core.setOutput('verification', verificationJson(state))
  const comparison = mergedComparison(state)
  core.setOutput('new-findings', comparison ? String(comparison.added.length) : '')
  core.setOutput('fixed-findings', comparison ? String(comparison.fixed.length) : '')
  core.setOutput('signature-ref', signatureRef(state))
  core.setOutput('trivy-version', tools.trivy?.version ?? inputs.trivy.version)
  core.setOutput('cosign-version', tools.cosign?.version ?? inputs.cosign.version)
}
