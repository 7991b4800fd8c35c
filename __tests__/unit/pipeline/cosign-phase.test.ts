// The signing rule, positively: sign and attest run only after the scan produced a report and the
// gate said `passed`. A crashed scan or a missing verdict signs nothing, even when no error reaches
// this phase to stop it.
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import type { Inputs } from '../../../src/inputs/inputs.js'
import type { RunState } from '../../../src/pipeline/run-state.js'
import type { GateResult } from '../../../src/findings/gate.js'
import type { ResolvedImage, Step } from '../../../src/types.js'

const prepareSigner = jest.fn(async () => ({ kind: 'key' }))
const signImage = jest.fn(async () => ({ ok: true }))
const attestImage = jest.fn(async () => ({ ok: true }))
jest.unstable_mockModule('../../../src/cosign/commands.js', () => ({
  prepareSigner,
  signImage,
  attestImage
}))
jest.unstable_mockModule('../../../src/cosign/verify.js', () => ({
  verifyImage: jest.fn(),
  verifySpec: jest.fn()
}))
jest.unstable_mockModule('../../../src/pipeline/scan-phase.js', () => ({
  vulnPredicate: jest.fn(async () => '/tmp/predicate.json')
}))
jest.unstable_mockModule('@actions/core', () => ({
  info: jest.fn(),
  group: (_title: string, work: () => Promise<unknown>) => work()
}))

const { signAndAttest } = await import('../../../src/pipeline/cosign-phase.js')
const { StepLog } = await import('../../../src/pipeline/step-log.js')

const image = {
  pinnedRef: `127.0.0.1:5000/team/app@sha256:${'a'.repeat(64)}`,
  ref: { registry: '127.0.0.1:5000' }
} as unknown as ResolvedImage
const tool = { path: '/bin/tool', version: '1.0.0' }

function state(steps: Step[], outcome: { scan?: boolean; gate?: GateResult['verdict'] }): RunState {
  const selected = new Set(steps)
  return {
    inputs: {
      steps: selected,
      annotations: [],
      recursive: false,
      tlogUpload: true
    } as unknown as Inputs,
    steps: new StepLog(selected),
    tools: { trivy: tool, cosign: tool } as unknown as RunState['tools'],
    image,
    scan: outcome.scan ? { reportFile: '/tmp/report.json', findings: [] } : undefined,
    gate: outcome.gate ? ({ verdict: outcome.gate } as GateResult) : undefined,
    reportFailures: []
  }
}

const statusOf = (run: RunState, step: Step) => run.steps.all().find((r) => r.step === step)

beforeEach(() => {
  prepareSigner.mockClear()
  signImage.mockClear()
  attestImage.mockClear()
})

describe('signAndAttest', () => {
  it('signs nothing when the scan produced no report (a crash), and says why', async () => {
    const run = state(['scan', 'gate', 'sign', 'attest'], {})
    await signAndAttest(run)
    expect(prepareSigner).not.toHaveBeenCalled()
    expect(signImage).not.toHaveBeenCalled()
    expect(attestImage).not.toHaveBeenCalled()
    expect(statusOf(run, 'sign')).toMatchObject({
      status: 'skipped',
      reason: 'the scan produced no report'
    })
  })

  it('signs nothing when the scan reported but the gate gave no verdict', async () => {
    const run = state(['scan', 'gate', 'sign'], { scan: true })
    await signAndAttest(run)
    expect(signImage).not.toHaveBeenCalled()
    expect(run.sign).toBeUndefined()
    expect(statusOf(run, 'sign')?.reason).toBe('the gate gave no verdict')
  })

  it('signs nothing when the gate failed', async () => {
    const run = state(['scan', 'gate', 'sign', 'attest'], { scan: true, gate: 'failed' })
    await signAndAttest(run)
    expect(prepareSigner).not.toHaveBeenCalled()
    expect(signImage).not.toHaveBeenCalled()
    expect(attestImage).not.toHaveBeenCalled()
  })

  it('signs and attests after a passed verdict', async () => {
    const run = state(['scan', 'gate', 'sign', 'attest'], { scan: true, gate: 'passed' })
    await signAndAttest(run)
    expect(signImage).toHaveBeenCalledTimes(1)
    expect(attestImage).toHaveBeenCalledTimes(1)
    expect(run.sign).toEqual({ ok: true })
  })

  it('attests a scan without a gate in the steps (it records the scan, it does not vouch for it)', async () => {
    const run = state(['scan', 'attest'], { scan: true })
    await signAndAttest(run)
    expect(attestImage).toHaveBeenCalledTimes(1)
    expect(signImage).not.toHaveBeenCalled()
  })

  it('fails rather than sign or attest an index after a passed gate on one platform', async () => {
    for (const steps of [
      ['scan', 'gate', 'sign'],
      ['scan', 'attest']
    ] as Step[][]) {
      const run = state(steps, { scan: true, gate: steps.includes('gate') ? 'passed' : undefined })
      run.image = { ...image, isIndex: true }
      await expect(signAndAttest(run)).rejects.toThrow(/multi-platform index.*own digest/s)
      expect(prepareSigner).not.toHaveBeenCalled()
      expect(signImage).not.toHaveBeenCalled()
      expect(attestImage).not.toHaveBeenCalled()
    }
  })
})
