// Which images the run scans: each platform image of an index that `platforms` chooses, by its own
// digest; the single image itself; or, for a daemon or tarball image, the input as given.
import { describe, expect, it } from '@jest/globals'
import { planTargets } from '../../../src/pipeline/plan-phase.js'
import type { PlatformSelection } from '../../../src/types.js'
import {
  IMAGE,
  INDEX_IMAGE,
  INDEX_TARGET,
  platformTarget,
  runState,
  TARGET
} from './run-state-fixture.js'

function planFor(image: typeof IMAGE | undefined, platforms: PlatformSelection) {
  const run = runState(['scan'])
  run.inputs.platforms = platforms
  run.image = image
  return planTargets(run)
}

describe('planTargets', () => {
  it('scans every platform image of an index by its own digest, and the plan is complete', () => {
    expect(planFor(INDEX_IMAGE, { kind: 'all' })).toEqual({
      targets: ['linux/amd64', 'linux/arm64', 'linux/arm/v7'].map(platformTarget),
      index: INDEX_TARGET,
      complete: true
    })
  })

  it('scans the listed platforms only, in the index order, and the plan is not complete', () => {
    const plan = planFor(INDEX_IMAGE, { kind: 'list', platforms: ['linux/arm/v7', 'linux/amd64'] })
    expect(plan).toEqual({
      targets: [platformTarget('linux/amd64'), platformTarget('linux/arm/v7')],
      index: INDEX_TARGET,
      complete: false
    })
  })

  it('refuses a platform the index does not have, before any scan', () => {
    expect(() => planFor(INDEX_IMAGE, { kind: 'list', platforms: ['linux/s390x'] })).toThrow(
      /has no linux\/s390x image; it has linux\/amd64, linux\/arm64, linux\/arm\/v7/
    )
  })

  it('scans a single image itself, with the platform its config names, and no index', () => {
    expect(planFor(IMAGE, { kind: 'all' })).toEqual({ targets: [TARGET], complete: true })
  })

  it('scans a daemon or tarball image as given, with the one platform asked for', () => {
    const run = runState(['scan'])
    run.inputs.platforms = { kind: 'list', platforms: ['linux/arm64'] }
    run.inputs.image = { registry: 'docker.io', repository: 'library/app', tag: 'dev' }
    expect(planTargets(run)).toEqual({
      targets: [{ platform: 'linux/arm64', ref: 'docker.io/library/app:dev' }],
      complete: true
    })
  })
})
