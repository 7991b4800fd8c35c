// A RunState as the phases leave it, for the tests of how a run ends and what it outputs.
import type { Inputs } from '../../../src/inputs/inputs.js'
import type { PlatformScan, RunState, ScanPlan } from '../../../src/pipeline/run-state.js'
import { targetLabel } from '../../../src/pipeline/run-state.js'
import { StepLog } from '../../../src/pipeline/step-log.js'
import { evaluateGate } from '../../../src/findings/gate.js'
import { distinctFindings, type Finding } from '../../../src/findings/findings.js'
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

/** The single image's one target, as planTargets makes it. */
export const TARGET: ImageTarget = { platform: 'linux/amd64', digest: DIGEST, ref: IMAGE.pinnedRef }

export const INDEX_DIGEST = 'sha256:' + '1de0'.repeat(16)
/** The digest of each platform image of INDEX_IMAGE. */
export const PLATFORM_DIGESTS: Record<string, string> = {
  'linux/amd64': 'sha256:' + 'a1'.repeat(32),
  'linux/arm64': 'sha256:' + 'b2'.repeat(32),
  'linux/arm/v7': 'sha256:' + 'c3'.repeat(32)
}

/** A multi-platform image: an index over three platform images. */
export const INDEX_IMAGE: ResolvedImage = {
  ref: { registry: 'ghcr.io', repository: 'acme/api', tag: 'v1' },
  name: 'ghcr.io/acme/api',
  digest: INDEX_DIGEST,
  pinnedRef: `ghcr.io/acme/api@${INDEX_DIGEST}`,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  isIndex: true,
  platformImages: Object.entries(PLATFORM_DIGESTS).map(([platform, digest]) => ({
    platform,
    digest
  }))
}

/** The target of one platform image of INDEX_IMAGE. */
export function platformTarget(platform: string): ImageTarget {
  const digest = PLATFORM_DIGESTS[platform] ?? ''
  return { platform, digest, ref: `${INDEX_IMAGE.name}@${digest}` }
}

export const INDEX_TARGET: ImageTarget = {
  index: true,
  digest: INDEX_DIGEST,
  ref: INDEX_IMAGE.pinnedRef
}

/** The plan over INDEX_IMAGE for these platforms (complete when all three are chosen). */
export function indexPlan(platforms: string[] = Object.keys(PLATFORM_DIGESTS)): ScanPlan {
  return {
    targets: platforms.map(platformTarget),
    index: INDEX_TARGET,
    complete: platforms.length === Object.keys(PLATFORM_DIGESTS).length
  }
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
    platforms: { kind: 'all' },
    attestations: ['vuln'],
    trivy: { version: '0.74.0' },
    cosign: { version: '3.0.6' }
  } as unknown as Inputs
  return { inputs, steps: new StepLog(inputs.steps), tools: {}, reportFailures: [] }
}

/** The state after a scan (and a gate, when selected) of these findings. */
export function scanned(state: RunState, findings: Finding[]): RunState {
  state.image = IMAGE
  state.plan = { targets: [TARGET], complete: true }
  state.scans = [{ target: TARGET, reportFile: '/tmp/report.json', findings }]
  gated(state)
  return state
}

/**
 * The state after scanning INDEX_IMAGE's platforms, each with its own findings (and a gate, when
 * selected); `platforms` chooses a subset when given.
 */
export function scannedPlatforms(
  state: RunState,
  findingsByPlatform: Record<string, Finding[]>,
  platforms: string[] = Object.keys(PLATFORM_DIGESTS)
): RunState {
  state.image = INDEX_IMAGE
  state.plan = indexPlan(platforms)
  state.scans = state.plan.targets.map((target): PlatformScan => ({
    target,
    reportFile: `/tmp/trivy-report-${(target.platform ?? '').replaceAll('/', '-')}.json`,
    findings: findingsByPlatform[target.platform ?? ''] ?? []
  }))
  gated(state)
  return state
}

/** The gate as gateImage leaves it: a verdict per platform and one over all of them. */
function gated(state: RunState): void {
  const scans = state.scans ?? []
  if (!state.inputs.steps.has('gate')) return
  const failOn = state.inputs.failOn
  for (const scan of scans) scan.gate = evaluateGate(scan.findings, failOn)
  const all = distinctFindings(scans.map((scan) => scan.findings))
  state.gate = {
    ...evaluateGate(all, failOn),
    failingPlatforms: scans
      .filter((scan) => scan.gate?.verdict === 'failed')
      .map((scan) => targetLabel(scan.target))
  }
}

/** INDEX_IMAGE's platforms in index order, and the digest of the i-th. */
export const PLATFORMS = Object.keys(PLATFORM_DIGESTS)
export const platformDigest = (i: number): string => PLATFORM_DIGESTS[PLATFORMS[i] ?? ''] ?? ''

/**
 * scannedPlatforms with one list of findings per platform, in PLATFORMS order; fewer lists than
 * platforms is a subset (`platforms` chose the first ones).
 */
export function scannedIndex(state: RunState, perPlatform: Finding[][]): RunState {
  const chosen = PLATFORMS.slice(0, perPlatform.length)
  const byPlatform = Object.fromEntries(chosen.map((p, i) => [p, perPlatform[i] ?? []]))
  return scannedPlatforms(state, byPlatform, chosen)
}
