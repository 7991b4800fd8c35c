// How a run ends, in words: a tool that broke, a gate that failed, a signature that did not verify
// each read differently, so that a broken tool is never mistaken for a verdict. For a
// multi-platform image the words name the platforms: which failed the gate and with what, which
// digest did not verify and why.
import { describeError } from '../errors.js'
import { formatImageRef } from '../registry/image-ref.js'
import { describeFailing, evaluateGate, type GateResult } from '../findings/gate.js'
import type { Finding } from '../findings/findings.js'
import { mergeFindings, type PlatformReport } from '../publish/platform-findings.js'
import { targetLabel, type RunState } from './run-state.js'

export type GateOutput = 'passed' | 'failed' | 'skipped' | 'error'

/** What the `gate` output says: `error` whenever the scan was asked for but gave no report. */
export function gateOutput(state: RunState): GateOutput {
  if (state.gate) return state.gate.verdict
  if (state.inputs.steps.has('scan') && !state.scans) return 'error'
  return 'skipped'
}

/** The image as messages name it: by digest once it is resolved. */
export function imageLabel(state: RunState): string {
  return state.image?.pinnedRef ?? formatImageRef(state.inputs.image)
}

/**
 * True when the reports name platforms: the image is an index (even with one platform chosen), or
 * several images were scanned. A single-platform image keeps the compact reports.
 */
export function isMultiPlatform(state: RunState): boolean {
  return (
    state.plan?.index !== undefined ||
    (state.plan?.targets.length ?? 0) > 1 ||
    (state.scans?.length ?? 0) > 1
  )
}

/** One entry per planned target, in plan order, with its scan's counts when it produced a report. */
export function platformReports(state: RunState): PlatformReport[] {
  const scans = state.scans ?? []
  const targets = state.plan?.targets ?? scans.map((scan) => scan.target)
  return targets.map((target) => {
    const scan = scans.find((s) => s.target === target || s.target.ref === target.ref)
    return {
      label: targetLabel(target),
      platform: target.platform,
      digest: target.digest,
      ref: target.ref,
      counts: scan ? (scan.gate ?? evaluateGate(scan.findings, 'NONE')) : undefined,
      gated: scan?.gate !== undefined,
      reportFile: scan?.reportFile,
      sbomFile: scan?.sbomFile
    }
  })
}

/** The findings of every platform, each once, worst first (one platform's as they are). */
export function allFindings(state: RunState): {
  findings?: Finding[]
  platformsOf?: Map<Finding, string[]>
} {
  const scans = state.scans
  if (!scans || scans.length === 0) return {}
  if (scans.length === 1 && !isMultiPlatform(state)) return { findings: scans[0]?.findings }
  return mergeFindings(
    scans.map((scan) => ({ label: targetLabel(scan.target), findings: scan.findings }))
  )
}

/** The counts over all platforms: the gate's, or without the gate step the same counts unjudged. */
export function overallCounts(
  state: RunState,
  findings?: readonly Finding[]
): GateResult | undefined {
  if (state.gate) return state.gate
  const all = findings ?? allFindings(state).findings
  return all ? evaluateGate(all, 'NONE') : undefined
}

/** The reasons the step fails, one message each; empty when it succeeds. */
export function failureMessages(state: RunState): string[] {
  const messages: string[] = []
  if (state.failure !== undefined) {
    messages.push(`imgsec-action stopped: ${describeError(state.failure)}`)
  }
  const gate = state.gate
  if (gate?.verdict === 'failed') {
    messages.push(
      `Gate failed for ${imageLabel(state)}${failingPart(state, gate)} at or above fail-on: ` +
        `${gate.threshold.toLowerCase()}.${skippedBecauseOfGate(state)} The job summary and the ` +
        `SARIF report list the findings; fix them, or raise fail-on or add them to the ignore file.`
    )
  }
  const verify = state.verify
  if (verify && !verify.verified) messages.push(verificationMessage(state))
  messages.push(...state.reportFailures)
  return messages
}

/**
 * ": 2 critical" for one image; for several platforms each failing one with its own counts:
 * " on linux/arm64 (2 critical) and linux/arm/v7 (1 high), 2 of 4 platforms,".
 */
function failingPart(state: RunState, gate: GateResult & { failingPlatforms?: string[] }): string {
  if (!isMultiPlatform(state)) return `: ${describeFailing(gate)}`
  const reports = platformReports(state)
  const named = gate.failingPlatforms ?? []
  const failing = reports.filter((p) =>
    named.length > 0 ? named.includes(p.label) : p.counts?.verdict === 'failed'
  )
  if (failing.length === 0) return `: ${describeFailing(gate)}`
  const each = failing.map((p) => `${p.label} (${p.counts ? describeFailing(p.counts) : '?'})`)
  const list = each.length > 1 ? `${each.slice(0, -1).join(', ')} and ${each.at(-1)}` : each[0]
  return ` on ${list}, ${failing.length} of ${reports.length} platforms,`
}

/** Which image did not verify and why: for several digests, one line per digest that failed. */
function verificationMessage(state: RunState): string {
  const images = state.verify?.images ?? []
  const failed = images.filter((image) => !image.verified)
  if (!isMultiPlatform(state) && images.length <= 1) {
    return `Verification failed for ${imageLabel(state)}: ${failed[0]?.failure ?? 'no valid signature'}`
  }
  if (failed.length === 0) return `Verification failed for ${imageLabel(state)}: no valid signature`
  const lines = failed.map(
    (image) =>
      `  ${targetLabel(image.target)} (${image.target.ref}): ${image.failure ?? 'no valid signature'}`
  )
  return [
    `Verification failed for ${imageLabel(state)} on ${failed.length} of ${images.length} images:`,
    ...lines
  ].join('\n')
}

function skippedBecauseOfGate(state: RunState): string {
  const skipped = (['sign', 'attest'] as const).filter((step) => state.inputs.steps.has(step))
  return skipped.length ? ` Not done: ${skipped.join(' and ')}.` : ''
}
