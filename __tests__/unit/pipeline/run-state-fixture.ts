// A RunState as the phases leave it, for the tests of how a run ends and what it outputs.
import type { Inputs } from '../../../src/inputs/inputs.js'
import type { RunState } from '../../../src/pipeline/run-state.js'
import { StepLog } from '../../../src/pipeline/step-log.js'
import { evaluateGate } from '../../../src/findings/gate.js'
import type { Finding } from '../../../src/findings/findings.js'
import type { FailOn, ResolvedImage, Step } from '../../../src/types.js'

export const DIGEST = 'sha256:' + 'c0ffee00'.repeat(8)

export const IMAGE: ResolvedImage = {
  ref: { registry: 'ghcr.io', repository: 'acme/api', tag: 'v1' },
  name: 'ghcr.io/acme/api',
  digest: DIGEST,
  pinnedRef: `ghcr.io/acme/api@${DIGEST}`,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  isIndex: false
}

export function finding(id: string, severity: Finding['severity'], fixed?: string): Finding {
  return {
    kind: 'vulnerability',
    id,
    severity,
    target: 'ghcr.io/acme/api (alpine 3.22)',
    pkg: 'openssl',
    installed: '3.0.0',
    fixed,
    title: `${id} title`,
    fixable: fixed !== undefined
  }
}

/** Only the inputs these modules read; the rest of the record does not matter to them. */
export function runState(steps: Step[], failOn: FailOn = 'HIGH'): RunState {
  const inputs = {
    image: IMAGE.ref,
    steps: new Set(steps),
    failOn,
    trivy: { version: '0.74.0' },
    cosign: { version: '3.0.6' }
  } as unknown as Inputs
  return { inputs, steps: new StepLog(inputs.steps), tools: {}, reportFailures: [] }
}

/** The state after a scan (and a gate, when selected) of these findings. */
export function scanned(state: RunState, findings: Finding[]): RunState {
  state.image = IMAGE
  state.scan = { reportFile: '/tmp/report.json', findings }
  if (state.inputs.steps.has('gate')) state.gate = evaluateGate(findings, state.inputs.failOn)
  return state
}
