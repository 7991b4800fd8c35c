// Which images the run scans: every platform image of an index that `platforms` chooses, by its
// own digest, or the single image. Decided once, before any scan, and logged with every digest.
import * as core from '@actions/core'
import { formatImageRef } from '../registry/image-ref.js'
import { selectPlatformImages } from '../registry/platforms.js'
import type { ImageTarget } from '../types.js'
import type { RunState, ScanPlan } from './run-state.js'

export function planTargets(state: RunState): ScanPlan {
  const { inputs, image } = state
  if (!image) {
    // docker, podman or a tarball: trivy picks the platform (`platforms` may name one, see inputs).
    const selection = inputs.platforms
    const platform = selection.kind === 'list' ? selection.platforms[0] : undefined
    return { targets: [{ platform, ref: formatImageRef(inputs.image) }], complete: true }
  }
  const shown = formatImageRef(inputs.image)
  const { chosen, complete } = selectPlatformImages(image.platformImages, inputs.platforms, shown)
  const targets: ImageTarget[] = chosen.map(({ platform, digest }) => ({
    platform,
    digest,
    ref: `${image.name}@${digest}`
  }))
  if (!image.isIndex) return { targets, complete }
  const index: ImageTarget = { index: true, digest: image.digest, ref: image.pinnedRef }
  return { targets, index, complete }
}

export function logPlan(plan: ScanPlan): void {
  if (plan.index) core.info(`Index ${plan.index.ref}`)
  for (const target of plan.targets) {
    core.info(`${target.platform ?? 'image'}: ${target.digest ?? target.ref}`)
  }
  if (plan.index && !plan.complete) {
    core.info('Not every platform image of the index is chosen: the index itself is never signed')
  }
}
