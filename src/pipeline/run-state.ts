// What one run has produced so far, phase by phase; the report phase renders it whatever happened.
import type { Inputs } from '../inputs/inputs.js'
import type { ResolvedImage, SignResult, VerifyResult } from '../types.js'
import type { StepLog } from './step-log.js'
import type { InstalledTool } from '../tools/install.js'
import type { Finding } from '../findings/findings.js'
import type { GateResult } from '../findings/gate.js'
import type { SarifBuild } from '../publish/sarif.js'

/** The scan as the rest of the run needs it: the parsed report itself is not kept (see scanImage). */
export interface ScanOutcome {
  reportFile: string
  findings: Finding[]
}

export interface RunState {
  inputs: Inputs
  steps: StepLog
  tools: { trivy?: InstalledTool; cosign?: InstalledTool }
  /** Absent when the image is not read from a registry (image-source docker, podman, tarball). */
  image?: ResolvedImage
  scan?: ScanOutcome
  gate?: GateResult
  sign?: SignResult
  attest?: SignResult
  verify?: VerifyResult
  /** The failure that stopped the pipeline (a tool crash, an unreachable registry…), if any. */
  failure?: unknown
  sarif?: SarifBuild
  /** Title and place (the Dockerfile) of the gate's verdict, for the step's failure annotation. */
  verdictAnnotation?: { title: string; file?: string; startLine?: number }
  /** Parts of the report phase that could not be done (each fails the step, after the rest). */
  reportFailures: string[]
}

/**
 * Why `step` (sign or attest) must not run, or undefined when it may. The rule is positive: an
 * image is signed only after its scan produced a report and the gate said `passed`, so a crash, a
 * missing verdict or any outcome other than `passed` signs nothing, whatever path the run took to
 * get here. An attestation records a scan rather than vouching for it: without a gate in the
 * steps it needs the report only; with one it waits for `passed` like a signature.
 */
export function signingBlocker(state: RunState, step: 'sign' | 'attest'): string | undefined {
  if (!state.scan) return 'the scan produced no report'
  const verdict = state.gate?.verdict
  if (verdict === 'failed') return 'the gate failed'
  const needsVerdict = step === 'sign' || state.inputs.steps.has('gate')
  if (verdict !== 'passed' && needsVerdict) return 'the gate gave no verdict'
  if (state.image?.isIndex) return INDEX_NOT_SCANNED
  return undefined
}

/**
 * Why an index is not signed: trivy scans one platform image of it, and a signature on the index
 * (or, with `recursive`, on every platform image) would vouch for platforms nobody scanned.
 */
export const INDEX_NOT_SCANNED = 'a multi-platform index: only one of its platforms was scanned'
