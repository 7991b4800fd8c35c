// The baseline comparison as the reports get it: merged over platforms (a finding on several
// platforms counts once), the summary's section (or why the baseline was not used, every reason
// given), and the findings with the new ones first.
import { describe, expect, it } from '@jest/globals'
import { compareWithBaseline } from '../../../src/findings/baseline.js'
import {
  baselineSummary,
  mergedComparison,
  newFirst
} from '../../../src/pipeline/baseline-result.js'
import { finding, runState, scannedIndex } from './run-state-fixture.js'

const NEW = finding('CVE-NEW', 'CRITICAL')
const KEPT = finding('CVE-KEPT', 'HIGH')
const GONE = finding('CVE-GONE', 'LOW')

/** Two platforms with the same new finding; amd64's baseline had KEPT and GONE, arm64's GONE. */
function compared() {
  const state = scannedIndex(runState(['scan', 'gate']), [[NEW, KEPT], [NEW]])
  const [amd64, arm64] = state.scans!
  amd64!.comparison = compareWithBaseline(amd64!.findings, [KEPT, GONE])
  arm64!.comparison = compareWithBaseline(arm64!.findings, [GONE])
  return state
}

describe('mergedComparison', () => {
  it('counts each finding once over the platforms', () => {
    expect(mergedComparison(compared())).toEqual({ added: [NEW], present: [KEPT], fixed: [GONE] })
  })

  it('is undefined when no platform had a verified baseline', () => {
    expect(mergedComparison(scannedIndex(runState(['scan', 'gate']), [[NEW], [NEW]]))).toBe(
      undefined
    )
  })
})

describe('baselineSummary', () => {
  it('gives the image, the comparison and fail-on', () => {
    const state = compared()
    state.baseline = { image: 'ghcr.io/acme/api:main', findings: new Map(), unusable: [] }
    expect(baselineSummary(state)).toEqual({
      image: 'ghcr.io/acme/api:main',
      comparison: { added: [NEW], present: [KEPT], fixed: [GONE] },
      unusable: undefined,
      threshold: 'HIGH'
    })
  })

  it('joins every reason the baseline was not used', () => {
    const state = scannedIndex(runState(['scan', 'gate']), [[NEW], [NEW]])
    state.baseline = {
      image: 'ghcr.io/acme/api:main',
      findings: new Map(),
      unusable: ['not used for linux/amd64: a', 'not used for linux/arm64: b']
    }
    expect(baselineSummary(state)).toMatchObject({
      comparison: undefined,
      unusable: 'not used for linux/amd64: a; not used for linux/arm64: b'
    })
  })

  it('is undefined without baseline-image', () => {
    expect(baselineSummary(compared())).toBeUndefined()
  })
})

describe('newFirst', () => {
  const LOW_NEW = finding('CVE-LOW-NEW', 'LOW')
  const all = [KEPT, NEW, GONE, LOW_NEW]

  it('puts the new findings first, each group in its own order', () => {
    const comparison = { added: [LOW_NEW, NEW], present: [KEPT, GONE], fixed: [] }
    expect(newFirst(all, comparison)).toEqual([NEW, LOW_NEW, KEPT, GONE])
  })

  it('keeps the order without a comparison, and undefined stays undefined', () => {
    expect(newFirst(all, undefined)).toEqual(all)
    expect(newFirst(undefined, mergedComparison(compared()))).toBeUndefined()
  })
})
