// The baseline (`baseline-image`, e.g. the main branch's image): its vulnerability attestation,
// verified by cosign-public-key or the identity inputs, gives the findings each platform image
// already had, and the gate then counts only the new ones. A baseline nobody can verify excuses
// nothing: it is a warning, and every finding counts.
import * as core from '@actions/core'
import { verifyImage, verifySpec } from '../cosign/verify.js'
import type { Finding } from '../findings/findings.js'
import { newestEvidence, readVulnPredicate } from '../findings/evidence.js'
import { formatImageRef } from '../registry/image-ref.js'
import { findPlatformImage } from '../registry/platforms.js'
import { resolveImage } from '../registry/resolve.js'
import { describeError } from '../errors.js'
import type { ImageTarget, PlatformImage, ResolvedImage } from '../types.js'
import { cosignTool, verifyOptions } from './cosign-tool.js'
import { targetLabel, type BaselineState, type RunState } from './run-state.js'

/** The platform of this runner, which is what the Docker daemon or podman builds by default. */
function runnerPlatform(): string {
  return `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`
}

/**
 * The baseline's platform image for a scanned target: the same platform; for an image from the
 * daemon, podman or a tarball (no platform known), the baseline's only image, else the runner's
 * platform (buildx pushes an index even for one platform).
 */
function counterpart(baseline: ResolvedImage, target: ImageTarget): PlatformImage | undefined {
  if (!target.platform && baseline.platformImages.length === 1) return baseline.platformImages[0]
  return findPlatformImage(baseline.platformImages, target.platform ?? runnerPlatform())
}

async function baselineFindings(
  state: RunState,
  baseline: ResolvedImage,
  platformImage: PlatformImage
): Promise<Finding[]> {
  const { inputs } = state
  const cosign = state.tools.cosign
  if (!cosign) throw new Error('cosign is not installed')
  const spec = verifySpec(verifyOptions(inputs))
  const image = {
    name: baseline.name,
    digest: platformImage.digest,
    pinnedRef: `${baseline.name}@${platformImage.digest}`
  }
  const result = await verifyImage(cosignTool(inputs, cosign, baseline), image, spec, {
    tlogUpload: inputs.tlogUpload,
    signature: false,
    attestations: ['vuln']
  })
  const failed = result.checks.find((check) => !check.passed)
  if (failed) throw new Error(failed.detail)
  const evidence = newestEvidence((result.predicates.vuln ?? []).map(readVulnPredicate))
  if (!evidence) throw new Error('its vuln attestation holds no scan')
  return evidence.findings
}

/** Reads the baseline for every scanned target; never fails the run (see the file comment). */
export async function readBaseline(state: RunState): Promise<void> {
  const { inputs, scans } = state
  const ref = inputs.baselineImage
  if (!ref || !scans) return
  const shown = formatImageRef(ref)
  const result: BaselineState = { image: shown, findings: new Map(), unusable: [] }
  state.baseline = result
  const unusable = (why: string, target?: ImageTarget) => {
    const where = target && scans.length > 1 ? ` for ${targetLabel(target)}` : ''
    const message = `baseline-image ${shown} was not used${where}: ${why}; every finding counts`
    core.warning(message)
    result.unusable.push(message)
  }
  await core.group('Baseline', async () => {
    let baseline: ResolvedImage
    try {
      // The registry-username/password inputs are for the image's registry only.
      const sameRegistry = ref.registry === inputs.image.registry
      baseline = await resolveImage(ref, sameRegistry ? inputs.registryCredentials : undefined)
    } catch (error) {
      unusable(describeError(error))
      return
    }
    for (const scan of scans) {
      const platformImage = counterpart(baseline, scan.target)
      if (!platformImage) {
        unusable(`it has no ${scan.target.platform ?? 'single'} image`, scan.target)
        continue
      }
      try {
        const findings = await baselineFindings(state, baseline, platformImage)
        result.findings.set(scan.target, findings)
        core.info(
          `Baseline ${baseline.name}@${platformImage.digest}: ${findings.length} finding(s)`
        )
      } catch (error) {
        unusable(
          `its vuln attestation could not be verified (${describeError(error)})`,
          scan.target
        )
      }
    }
  })
}
