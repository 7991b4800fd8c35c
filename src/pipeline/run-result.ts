// How a run ends, in words: a tool that broke, a gate that failed, a signature that did not verify
// each read differently, so that a broken tool is never mistaken for a verdict.
import { describeError } from '../errors.js'
import { formatImageRef } from '../registry/image-ref.js'
import { describeFailing } from '../findings/gate.js'
import type { RunState } from './run-state.js'

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

/** The reasons the step fails, one message each; empty when it succeeds. */
export function failureMessages(state: RunState): string[] {
  const messages: string[] = []
  if (state.failure !== undefined) {
    messages.push(`imgsec-action stopped: ${describeError(state.failure)}`)
  }
  const gate = state.gate
  if (gate?.verdict === 'failed') {
    messages.push(
      `Gate failed for ${imageLabel(state)}: ${describeFailing(gate)} at or above fail-on: ` +
        `${gate.threshold.toLowerCase()}.${skippedBecauseOfGate(state)} The job summary and the ` +
        `SARIF report list the findings; fix them, or raise fail-on or add them to the ignore file.`
    )
  }
  const verify = state.verify
  if (verify && !verify.verified) {
    messages.push(
      `Verification failed for ${imageLabel(state)}: ${verify.images.find((image) => !image.verified)?.failure ?? 'no valid signature'}`
    )
  }
  messages.push(...state.reportFailures)
  return messages
}

function skippedBecauseOfGate(state: RunState): string {
  const skipped = (['sign', 'attest'] as const).filter((step) => state.inputs.steps.has(step))
  return skipped.length ? ` Not done: ${skipped.join(' and ')}.` : ''
}
