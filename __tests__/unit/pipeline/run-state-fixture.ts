// A RunState as the phases leave it, for the tests of how a run ends and what it outputs: a
// single-platform image, or an index whose platform images were each scanned.
import type { Inputs } from '../../../src/inputs/inputs.js'
import type { PlatformScan, RunState } from '../../../src/pipeline/run-state.js'
import { StepLog } from '../../../src/pipeline/step-log.js'
import { evaluateGate } from '../../../src/findings/gate.js'
import type { Finding } from '../../../src/findings/findings.js'
import type { FailOn, ImageTarget, ResolvedImage, Step } from '../../../src/types.js'

export const DIGEST = 'sha256:' + 'c0ffee00'.repeat(8)

export const IMAGE: ResolvedImage = {
  ref: { registry: 'ghcr.io', repository: 'acme/api', tag: 'v1' },
  name: 'ghcr.io/acme/api',
  digest: DIGEST,
  pinnedRef: `ghcr.io/acme/api@${DIGEST}`,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  isIndex: false,
  platformImages: [{ platform: 'linux/amd64', digest: DIGEST }]
}

/** An index of three platform images (the digests tell them apart: a1…, a2…, a3…). */
export const INDEX_DIGEST = 'sha256:' + 'eeee0000'.repeat(8)
export const PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'] as const
export const platformDigest = (i: number): string => `sha256:a${i + 1}` + '0'.repeat(62)
export const INDEX: ResolvedImage = {
  ...IMAGE,
  digest: INDEX_DIGEST,
  pinnedRef: `ghcr.io/acme/api@${INDEX_DIGEST}`,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  isIndex: true,
  platformImages: PLATFORMS.map((platform, i) => ({ platform, digest: platformDigest(i) }))
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

/** The verdicts the gate step leaves: each platform's, and the overall one over `all` findings. */
function gateScans(state: RunState, scans: PlatformScan[], all: Finding[]): void {
  if (!state.inputs.steps.has('gate')) return
  const failOn = state.inputs.failOn
  for (const scan of scans) scan.gate = evaluateGate(scan.findings, failOn)
  const failingPlatforms = scans
    .filter((scan) => scan.gate?.verdict === 'failed')
    .map((scan) => scan.target.platform ?? 'image')
  state.gate = { ...evaluateGate(all, failOn), failingPlatforms }
}

/** The state after a scan (and a gate, when selected) of a single-platform image. */
export function scanned(state: RunState, findings: Finding[]): RunState {
  state.image = IMAGE
  const target: ImageTarget = { platform: 'linux/amd64', digest: DIGEST, ref: IMAGE.pinnedRef }
  state.plan = { targets: [target], complete: true }
  state.scans = [{ target, reportFile: '/tmp/report.json', findings }]
  gateScans(state, state.scans, findings)
  return state
}

/**
 * The state after scanning platform images of INDEX, one list of findings per platform (in
 * PLATFORMS order); fewer lists than platforms is a subset (`platforms` chose some). Findings
 * with the same id are the same finding on several platforms; the overall gate counts each once.
 */
export function scannedIndex(state: RunState, perPlatform: Finding[][]): RunState {
  state.image = INDEX
  const index: ImageTarget = { index: true, digest: INDEX_DIGEST, ref: INDEX.pinnedRef }
  const targets: ImageTarget[] = perPlatform.map((_, i) => ({
    platform: PLATFORMS[i],
    digest: platformDigest(i),
    ref: `ghcr.io/acme/api@${platformDigest(i)}`
  }))
  state.plan = { targets, index, complete: perPlatform.length === PLATFORMS.length }
  state.scans = targets.map((target, i) => ({
    target,
    reportFile: `/tmp/imgsec/trivy-report-${(target.platform ?? '').replaceAll('/', '-')}.json`,
    findings: perPlatform[i] ?? []
  }))
  const unique = new Map(perPlatform.flat().map((f) => [f.id, f]))
  gateScans(state, state.scans, [...unique.values()])
  return state
}
