// The signing rule, positively: sign and attest run only after the scan produced a report and the
// gate said `passed`. A crashed scan or a missing verdict signs nothing, even when no error reaches
// this phase to stop it. Only what was scanned is signed, one cosign call per digest: the index
// only when every platform image of it was scanned; each platform image gets its attestations.
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import type { Inputs } from '../../../src/inputs/inputs.js'
import type { PlatformScan, RunState, ScanPlan } from '../../../src/pipeline/run-state.js'
import type { OverallGate } from '../../../src/pipeline/run-state.js'
import type { CosignImage } from '../../../src/cosign/commands.js'
import type { AttestationType, ResolvedImage, Step } from '../../../src/types.js'
import {
  INDEX_IMAGE,
  INDEX_TARGET,
  indexPlan,
  PLATFORM_DIGESTS,
  platformTarget
} from './run-state-fixture.js'

const SIGNER = { kind: 'key', fingerprint: 'SHA256:abc', keySource: 'cosign-key' } as const
const prepareSigner = jest.fn(async () => ({ info: SIGNER }))
const signImage = jest.fn(async (_tool: unknown, _signer: unknown, image: CosignImage) => ({
  signatureRef: `sig-of-${image.digest}`,
  tlogEntry: { logIndex: 7 }
}))
const attestImage = jest.fn(
  async (
    _tool: unknown,
    _signer: unknown,
    image: CosignImage,
    type: AttestationType,
    _predicate: string
  ) => ({ signatureRef: `${type}-of-${image.digest}` })
)
jest.unstable_mockModule('../../../src/cosign/commands.js', () => ({
  prepareSigner,
  signImage,
  attestImage
}))
const vulnPredicate = jest.fn(async (_trivy: unknown, scan: PlatformScan) => {
  return `/tmp/vuln-${scan.target.digest ?? ''}.json`
})
jest.unstable_mockModule('../../../src/pipeline/scan-phase.js', () => ({ vulnPredicate }))
jest.unstable_mockModule('@actions/core', () => ({
  info: jest.fn(),
  group: (_title: string, work: () => Promise<unknown>) => work()
}))

const { signAndAttest } = await import('../../../src/pipeline/cosign-phase.js')
const { StepLog } = await import('../../../src/pipeline/step-log.js')

const DIGEST = `sha256:${'a'.repeat(64)}`
const image = {
  name: '127.0.0.1:5000/team/app',
  digest: DIGEST,
  pinnedRef: `127.0.0.1:5000/team/app@${DIGEST}`,
  ref: { registry: '127.0.0.1:5000' },
  isIndex: false
} as unknown as ResolvedImage
const TARGET = { platform: 'linux/amd64', digest: DIGEST, ref: image.pinnedRef }
const tool = { path: '/bin/tool', version: '1.0.0' }

function state(
  steps: Step[],
  outcome: { scan?: boolean; gate?: OverallGate['verdict'] },
  options: { plan?: ScanPlan; image?: ResolvedImage; recursive?: boolean } = {}
): RunState {
  const selected = new Set(steps)
  const plan = options.plan ?? { targets: [TARGET], complete: true }
  return {
    inputs: {
      image: (options.image ?? image).ref,
      steps: selected,
      annotations: [],
      recursive: options.recursive ?? false,
      attestations: ['vuln'],
      tlogUpload: true
    } as unknown as Inputs,
    steps: new StepLog(selected),
    tools: { trivy: tool, cosign: tool } as unknown as RunState['tools'],
    image: options.image ?? image,
    plan,
    scans: outcome.scan
      ? plan.targets.map((target) => ({
          target,
          reportFile: '/tmp/report.json',
          findings: [],
          sbomFile: `/tmp/sbom-${target.digest ?? ''}.cdx.json`
        }))
      : undefined,
    gate: outcome.gate ? ({ verdict: outcome.gate } as OverallGate) : undefined,
    reportFailures: []
  }
}

const statusOf = (run: RunState, step: Step) => run.steps.all().find((r) => r.step === step)
const signedRefs = () => signImage.mock.calls.map(([, , signed]) => signed.pinnedRef)

beforeEach(() => {
  prepareSigner.mockClear()
  signImage.mockClear()
  attestImage.mockClear()
  vulnPredicate.mockClear()
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
    expect(run.sign).toEqual({
      signer: SIGNER,
      images: [{ target: TARGET, signatureRef: `sig-of-${DIGEST}`, tlogEntry: { logIndex: 7 } }]
    })
    expect(run.attest).toEqual({
      signer: SIGNER,
      images: [{ target: TARGET, type: 'vuln', signatureRef: `vuln-of-${DIGEST}` }]
    })
  })

  it('attests a scan without a gate in the steps (it records the scan, it does not vouch for it)', async () => {
    const run = state(['scan', 'attest'], { scan: true })
    await signAndAttest(run)
    expect(attestImage).toHaveBeenCalledTimes(1)
    expect(signImage).not.toHaveBeenCalled()
  })
})

const platforms = Object.keys(PLATFORM_DIGESTS)

describe('signAndAttest on a multi-platform image', () => {
  it('signs the index alone when every platform was scanned, and attests each platform image', async () => {
    const run = state(
      ['scan', 'gate', 'sign', 'attest'],
      { scan: true, gate: 'passed' },
      { plan: indexPlan(), image: INDEX_IMAGE }
    )
    run.inputs.attestations = ['vuln', 'sbom']
    await signAndAttest(run)
    expect(signedRefs()).toEqual([INDEX_IMAGE.pinnedRef])
    expect(run.sign?.images.map((signed) => signed.target)).toEqual([INDEX_TARGET])
    // One attestation per platform image and type, each on its own digest, made from its own scan.
    expect(
      attestImage.mock.calls.map(([, , attested, type, predicate]) => [
        attested.pinnedRef,
        type,
        predicate
      ])
    ).toEqual(
      platforms.flatMap((platform) => {
        const target = platformTarget(platform)
        return [
          [target.ref, 'vuln', `/tmp/vuln-${target.digest}.json`],
          [target.ref, 'sbom', `/tmp/sbom-${target.digest}.cdx.json`]
        ]
      })
    )
    expect(run.attest?.images.map((a) => [a.target.platform, a.type])).toEqual(
      platforms.flatMap((platform) => [
        [platform, 'vuln'],
        [platform, 'sbom']
      ])
    )
  })

  it('signs the index first, then each platform image, with recursive', async () => {
    const run = state(
      ['scan', 'gate', 'sign'],
      { scan: true, gate: 'passed' },
      { plan: indexPlan(), image: INDEX_IMAGE, recursive: true }
    )
    await signAndAttest(run)
    expect(signedRefs()).toEqual([
      INDEX_IMAGE.pinnedRef,
      ...platforms.map((platform) => platformTarget(platform).ref)
    ])
  })

  it('never signs the index when some platforms were chosen: only their own digests', async () => {
    const run = state(
      ['scan', 'gate', 'sign'],
      { scan: true, gate: 'passed' },
      { plan: indexPlan(['linux/arm64', 'linux/arm/v7']), image: INDEX_IMAGE, recursive: true }
    )
    await signAndAttest(run)
    expect(signedRefs()).toEqual([
      platformTarget('linux/arm64').ref,
      platformTarget('linux/arm/v7').ref
    ])
    expect(signedRefs()).not.toContain(INDEX_IMAGE.pinnedRef)
  })

  it('fails the attest step rather than attest an SBOM that was not written', async () => {
    const run = state(
      ['scan', 'attest'],
      { scan: true },
      { plan: indexPlan(['linux/arm64']), image: INDEX_IMAGE }
    )
    run.inputs.attestations = ['sbom']
    for (const scan of run.scans ?? []) scan.sbomFile = undefined
    await expect(signAndAttest(run)).rejects.toThrow(
      `no SBOM was written for ${platformTarget('linux/arm64').ref}`
    )
    expect(attestImage).not.toHaveBeenCalled()
  })
})
