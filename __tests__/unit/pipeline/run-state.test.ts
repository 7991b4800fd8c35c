// What the run may sign, decided from what was scanned and the gate's verdict: never a digest
// nobody scanned, and never the index when only some of its platform images were chosen.
import { describe, expect, it } from '@jest/globals'
import {
  indexNotSigned,
  signingBlocker,
  signingTargets,
  targetLabel,
  type OverallGate
} from '../../../src/pipeline/run-state.js'
import {
  INDEX_TARGET,
  indexPlan,
  platformTarget,
  runState,
  scanned,
  TARGET
} from './run-state-fixture.js'

const ALL = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'].map(platformTarget)

describe('signingTargets', () => {
  it('signs a single image itself', () => {
    expect(signingTargets({ targets: [TARGET], complete: true }, [TARGET], true)).toEqual([TARGET])
  })

  it('signs the index alone when every platform image was scanned', () => {
    expect(signingTargets(indexPlan(), ALL, false)).toEqual([INDEX_TARGET])
  })

  it('signs the index first, then every platform image, with recursive', () => {
    expect(signingTargets(indexPlan(), ALL, true)).toEqual([INDEX_TARGET, ...ALL])
  })

  it('signs only the chosen platform images when some were chosen, recursive or not', () => {
    const chosen = [platformTarget('linux/arm64')]
    for (const recursive of [false, true]) {
      expect(signingTargets(indexPlan(['linux/arm64']), chosen, recursive)).toEqual(chosen)
    }
  })
})

describe('indexNotSigned', () => {
  it('says why the index was not signed when some platforms were chosen', () => {
    expect(indexNotSigned(indexPlan(['linux/amd64']))).toMatch(
      /^the index was not signed: platforms chose some of its platform images.*not scanned$/
    )
  })

  it('says nothing when the whole index was scanned, for a single image, or without a plan', () => {
    expect(indexNotSigned(indexPlan())).toBeUndefined()
    expect(indexNotSigned({ targets: [TARGET], complete: true })).toBeUndefined()
    expect(indexNotSigned(undefined)).toBeUndefined()
  })
})

describe('signingBlocker', () => {
  const gate = (verdict: OverallGate['verdict']) =>
    ({ verdict, failingPlatforms: [] }) as unknown as OverallGate

  it('blocks both steps without a report, also when the scans list is empty', () => {
    const run = runState(['scan', 'gate', 'sign', 'attest'])
    expect(signingBlocker(run, 'sign')).toBe('the scan produced no report')
    run.scans = []
    expect(signingBlocker(run, 'attest')).toBe('the scan produced no report')
  })

  it('blocks both steps when the gate failed', () => {
    const run = scanned(runState(['scan', 'gate', 'sign', 'attest']), [])
    run.gate = gate('failed')
    expect(signingBlocker(run, 'sign')).toBe('the gate failed')
    expect(signingBlocker(run, 'attest')).toBe('the gate failed')
  })

  it('lets both run after a passed gate', () => {
    const run = scanned(runState(['scan', 'gate', 'sign', 'attest']), [])
    expect(run.gate?.verdict).toBe('passed')
    expect(signingBlocker(run, 'sign')).toBeUndefined()
    expect(signingBlocker(run, 'attest')).toBeUndefined()
  })

  it('signs only with a verdict; attests without one when no gate was asked for', () => {
    const run = scanned(runState(['scan', 'sign', 'attest']), [])
    expect(run.gate).toBeUndefined()
    expect(signingBlocker(run, 'sign')).toBe('the gate gave no verdict')
    expect(signingBlocker(run, 'attest')).toBeUndefined()
    const gated = scanned(runState(['scan', 'gate', 'attest']), [])
    gated.gate = undefined
    expect(signingBlocker(gated, 'attest')).toBe('the gate gave no verdict')
  })
})

describe('targetLabel', () => {
  it('names a platform image by its platform, the index as index, any other image as image', () => {
    expect(targetLabel(platformTarget('linux/arm/v7'))).toBe('linux/arm/v7')
    expect(targetLabel(INDEX_TARGET)).toBe('index')
    expect(targetLabel({ ref: 'app:dev' })).toBe('image')
  })
})
