// What one run has produced so far, phase by phase; the report phase renders it whatever happened.
import type { Inputs } from '../inputs/inputs.js'
import type { ImageTarget, ResolvedImage, SignResult, VerifyResult } from '../types.js'
import type { StepLog } from './step-log.js'
import type { InstalledTool } from '../tools/install.js'
import type { Finding } from '../findings/findings.js'
import type { GateResult } from '../findings/gate.js'
import type { BaselineComparison } from '../findings/baseline.js'
import type { SarifBuild } from '../publish/sarif.js'

/**
 * One platform image's scan as the rest of the run needs it: the parsed report itself is not kept
 * (see scanImage).
 */
export interface PlatformScan {
  target: ImageTarget
  reportFile: string
  findings: Finding[]
  /** This platform's verdict and counts, set by the gate step. */
  gate?: GateResult
  /** Against the verified baseline, when there is one for this platform image. */
  comparison?: BaselineComparison
  /** The CycloneDX SBOM converted from this platform's report (attestations: sbom, or written anyway). */
  sbomFile?: string
}

/** The gate over all platforms: counts of the findings of every platform, each finding once. */
export interface OverallGate extends GateResult {
  /** The platforms (or `image`) whose findings failed the gate, in scan order. */
  failingPlatforms: string[]
}

/** Which images the run scans, and whether that is the whole image (so the index may be signed). */
export interface ScanPlan {
  targets: ImageTarget[]
  /** The index itself, when the image is one. */
  index?: ImageTarget
  /** True when the targets are every platform image of the index (or the single image itself). */
  complete: boolean
}

export interface BaselineState {
  /** The `baseline-image` input as the user wrote it. */
  image: string
  /** The verified baseline findings of each scanned target that has a baseline. */
  findings: Map<ImageTarget, Finding[]>
  /** Why the baseline was not used for some or all targets (each was also a warning). */
  unusable: string[]
}

export interface RunState {
  inputs: Inputs
  steps: StepLog
  tools: { trivy?: InstalledTool; cosign?: InstalledTool }
  /** Absent when the image is not read from a registry (image-source docker, podman, tarball). */
  image?: ResolvedImage
  plan?: ScanPlan
  /** `baseline-image`, read before the gate. */
  baseline?: BaselineState
  /** One per target, in the plan's order; absent unless every target produced a report. */
  scans?: PlatformScan[]
  gate?: OverallGate
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

/** How reports and messages name a target: its platform, `index`, or `image`. */
export function targetLabel(target: ImageTarget): string {
  return target.platform ?? (target.index ? 'index' : 'image')
}

/**
 * Why `step` (sign or attest) must not run, or undefined when it may. The rule is positive: an
 * image is signed only after its scan produced a report and the gate said `passed`, so a crash, a
 * missing verdict or any outcome other than `passed` signs nothing, whatever path the run took to
 * get here. An attestation records a scan rather than vouching for it: without a gate in the
 * steps it needs the report only; with one it waits for `passed` like a signature.
 */
export function signingBlocker(state: RunState, step: 'sign' | 'attest'): string | undefined {
  if (!state.scans || state.scans.length === 0) return 'the scan produced no report'
  const verdict = state.gate?.verdict
  if (verdict === 'failed') return 'the gate failed'
  const needsVerdict = step === 'sign' || state.inputs.steps.has('gate')
  if (verdict !== 'passed' && needsVerdict) return 'the gate gave no verdict'
  return undefined
}

/**
 * The digests `sign` signs, from what was scanned: the index only when every platform image of it
 * was scanned (and then, with `recursive`, each platform image too); a chosen subset of platforms
 * signs those platform images only; a single image signs itself. Never a digest nobody scanned.
 */
export function signingTargets(plan: ScanPlan, scanned: ImageTarget[], recursive: boolean) {
  if (!plan.index) return scanned
  if (!plan.complete) return scanned
  return recursive ? [plan.index, ...scanned] : [plan.index]
}

/** Why the index was not signed although the gate passed (for the summary), if that is so. */
export function indexNotSigned(plan: ScanPlan | undefined): string | undefined {
  if (!plan?.index || plan.complete) return undefined
  return (
    'the index was not signed: platforms chose some of its platform images, and a signature on ' +
    'the index would vouch for the others, which were not scanned'
  )
}
