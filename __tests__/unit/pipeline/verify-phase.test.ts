// The verify step as a policy over the evidence: the signature on each digest sign signs (this
// run's, or what a sign with the same inputs would sign), each verify-attestations type on each
// platform image's digest (never the index), the vuln attestation held to max-scan-age and fail-on
// (only new findings against a verified baseline), a real CycloneDX SBOM; verified only when every
// check of every digest passed, and the first failing check is the digest's failure.
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Inputs } from '../../../src/inputs/inputs.js'
import type { RunState, ScanPlan } from '../../../src/pipeline/run-state.js'
import type { CosignImage } from '../../../src/cosign/commands.js'
import type { DigestVerification } from '../../../src/cosign/verify.js'
import type { Finding } from '../../../src/findings/findings.js'
import type { AttestationType, FailOn, ImageTarget, Step } from '../../../src/types.js'
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
  signatureRef: `sig-of-${image.digest}`
}))
jest.unstable_mockModule('../../../src/cosign/commands.js', () => ({
  prepareSigner,
  signImage,
  attestImage: jest.fn()
}))

type Options = { tlogUpload: boolean; signature: boolean; attestations: AttestationType[] }
/** What each verify-attestation returns as the predicate of a type (per digest when set). */
let predicates: Partial<Record<AttestationType, unknown>> = {}
let rejectedDigest: string | undefined
/** The stand-in cosign: every check asked for passes (but on rejectedDigest), with `predicates`. */
const passing = async (
  _tool: unknown,
  image: CosignImage,
  _spec: unknown,
  options: Options
): Promise<DigestVerification> => {
  const bad = image.digest === rejectedDigest
  const checks = [
    ...(options.signature
      ? [{ check: 'signature', passed: !bad, detail: bad ? 'no valid signature' : 'by key' }]
      : []),
    ...options.attestations.map((type) => ({
      check: `${type} attestation`,
      passed: true,
      detail: `1 signed, about ${image.digest}`
    }))
  ]
  const read = Object.fromEntries(options.attestations.map((t) => [t, [predicates[t]]]))
  return { verified: checks.every((c) => c.passed), checks, signer: SIGNER, predicates: read }
}
const verifyImage = jest.fn(passing)
jest.unstable_mockModule('../../../src/cosign/verify.js', () => ({
  verifyImage,
  verifySpec: jest.fn(() => ({ policy: { kind: 'key', keyRef: 'k' }, signer: SIGNER }))
}))
jest.unstable_mockModule('../../../src/pipeline/scan-phase.js', () => ({
  vulnPredicate: jest.fn()
}))
jest.unstable_mockModule('@actions/core', () => ({
  info: jest.fn(),
  group: (_title: string, work: () => Promise<unknown>) => work()
}))

const { signAndAttest } = await import('../../../src/pipeline/cosign-phase.js')
const { verifyImageSignature } = await import('../../../src/pipeline/verify-phase.js')
const { StepLog } = await import('../../../src/pipeline/step-log.js')
const { collectFindings } = await import('../../../src/findings/findings.js')
const { parseReport } = await import('../../../src/trivy/report.js')

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures')
/** trivy's cosign-vuln predicate of alpine-39 (2 critical, 4 medium), dated `at`. */
function vulnPredicate(at: Date): unknown {
  const path = join(FIXTURES, 'trivy-predicates', 'alpine-39.cosign-vuln.json')
  const predicate = JSON.parse(readFileSync(path, 'utf8')) as {
    metadata: Record<string, string>
    scanner: { result: Record<string, unknown> }
  }
  predicate.metadata['scanFinishedOn'] = at.toISOString()
  predicate.scanner.result['CreatedAt'] = at.toISOString()
  return predicate
}
/** The same scan record, with nothing found. */
function cleanPredicate(at: Date): unknown {
  const clean = vulnPredicate(at) as { scanner: { result: { Results: unknown[] } } }
  clean.scanner.result.Results = []
  return clean
}
const ALPINE_FINDINGS: Finding[] = collectFindings(
  parseReport(readFileSync(join(FIXTURES, 'trivy', 'alpine-39.json'), 'utf8'))
)
const SBOM = { bomFormat: 'CycloneDX', specVersion: '1.6', components: [{}, {}] }
const HOUR = 3_600_000
const platforms = Object.keys(PLATFORM_DIGESTS)

function state(
  steps: Step[],
  options: {
    plan?: ScanPlan
    recursive?: boolean
    verifyAttestations?: AttestationType[]
    maxScanAge?: { text: string; ms: number }
    failOn?: FailOn
  } = {}
): RunState {
  const selected = new Set(steps)
  const plan = options.plan ?? indexPlan()
  return {
    inputs: {
      image: INDEX_IMAGE.ref,
      steps: selected,
      annotations: [],
      recursive: options.recursive ?? false,
      attestations: [],
      verifyAttestations: options.verifyAttestations ?? [],
      maxScanAge: options.maxScanAge,
      failOn: options.failOn ?? 'CRITICAL',
      tlogUpload: true
    } as unknown as Inputs,
    steps: new StepLog(selected),
    tools: { cosign: { path: '/bin/cosign', version: '3.0.6' } } as unknown as RunState['tools'],
    image: INDEX_IMAGE,
    plan,
    reportFailures: []
  }
}

/** The state of a release run whose scan and gate passed on every planned platform. */
function scannedAndPassed(run: RunState): RunState {
  run.scans = (run.plan?.targets ?? []).map((target) => ({
    target,
    reportFile: '/tmp/report.json',
    findings: []
  }))
  run.gate = { verdict: 'passed' } as RunState['gate']
  return run
}

/** Each verify call: the digest's ref, whether its signature was checked, and which attestations. */
const asked = () =>
  verifyImage.mock.calls.map(([, image, , options]) => [
    image.pinnedRef,
    options.signature,
    options.attestations
  ])
const checksOf = (run: RunState, target: ImageTarget) =>
  run.verify?.images.find((image) => image.target === target)?.checks ?? []
const statusOf = (run: RunState) => run.steps.all().find((r) => r.step === 'verify')?.status

beforeEach(() => {
  verifyImage.mockClear().mockImplementation(passing)
  predicates = { vuln: cleanPredicate(new Date(Date.now() - HOUR)), sbom: SBOM }
  rejectedDigest = undefined
})

describe('which digest gets which check', () => {
  it('checks the signature of what this run signed, and each attestation on each platform image', async () => {
    const run = scannedAndPassed(
      state(['scan', 'gate', 'sign', 'verify'], { verifyAttestations: ['vuln', 'sbom'] })
    )
    await verifyImageSignature(run, await signAndAttest(run))
    expect(asked()).toEqual([
      [INDEX_IMAGE.pinnedRef, true, []],
      ...platforms.map((p) => [platformTarget(p).ref, false, ['vuln', 'sbom']])
    ])
    expect(run.verify?.verified).toBe(true)
    expect(run.verify?.images.map((v) => v.target)).toEqual([
      INDEX_TARGET,
      ...platforms.map(platformTarget)
    ])
    expect(statusOf(run)).toBe('passed')
  })

  it('without sign in the run: what sign would sign (recursive: the index and each platform)', async () => {
    const run = state(['verify'], { recursive: true, verifyAttestations: ['vuln'] })
    await verifyImageSignature(run, undefined)
    expect(asked()).toEqual([
      [INDEX_IMAGE.pinnedRef, true, []],
      ...platforms.map((p) => [platformTarget(p).ref, true, ['vuln']])
    ])
  })

  it('never the index when some platforms were chosen; no attestations when none are asked', async () => {
    const run = state(['verify'], { plan: indexPlan(['linux/arm64']) })
    await verifyImageSignature(run, undefined)
    expect(asked()).toEqual([[platformTarget('linux/arm64').ref, true, []]])
    expect(run.verify?.verified).toBe(true)
  })
})

describe('the evidence held to the policy', () => {
  const deploy = (options: Parameters<typeof state>[1] = {}) =>
    state(['verify'], { plan: indexPlan(['linux/amd64']), ...options })
  const AMD64 = () => platformTarget('linux/amd64')

  it('fails a vuln attestation older than max-scan-age, naming its age', async () => {
    predicates.vuln = cleanPredicate(new Date(Date.now() - 9 * 24 * HOUR - 4 * HOUR))
    const run = deploy({
      verifyAttestations: ['vuln'],
      maxScanAge: { text: '7d', ms: 7 * 24 * HOUR }
    })
    await verifyImageSignature(run, undefined)
    const run2 = run.verify?.images[0]
    expect(run2?.target).toEqual(AMD64())
    const age = checksOf(run, run2?.target as ImageTarget).find((c) => c.check === 'scan age')
    expect(age).toMatchObject({ passed: false })
    expect(age?.detail).toMatch(/^scanned 9 d 4 h ago .*longer ago than max-scan-age \(7d\)$/)
    expect(run.verify?.verified).toBe(false)
    expect(run2?.failure).toBe(`scan age: ${age?.detail}`)
    expect(statusOf(run)).toBe('failed')
  })

  it('passes a fresh attestation whose findings stay below fail-on', async () => {
    const run = deploy({
      verifyAttestations: ['vuln'],
      maxScanAge: { text: '24h', ms: 24 * HOUR },
      failOn: 'CRITICAL'
    })
    await verifyImageSignature(run, undefined)
    const checks = run.verify?.images[0]?.checks.map((c) => [c.check, c.passed])
    expect(checks).toEqual([
      ['signature', true],
      ['vuln attestation', true],
      ['scan age', true],
      ['attested findings', true]
    ])
    expect(run.verify?.verified).toBe(true)
  })

  it('fails attested findings at or above fail-on', async () => {
    predicates.vuln = vulnPredicate(new Date(Date.now() - HOUR))
    const run = deploy({ verifyAttestations: ['vuln'], failOn: 'CRITICAL' })
    await verifyImageSignature(run, undefined)
    const found = run.verify?.images[0]?.checks.find((c) => c.check === 'attested findings')
    expect(found?.passed).toBe(false)
    expect(found?.detail).toMatch(/^attested findings at or above fail-on critical: /)
    expect(run.verify?.verified).toBe(false)
  })

  it('against a verified baseline, counts only the attested findings it does not have', async () => {
    predicates.vuln = vulnPredicate(new Date(Date.now() - HOUR))
    const run = deploy({ verifyAttestations: ['vuln'], failOn: 'CRITICAL' })
    const target = AMD64()
    run.plan = { targets: [target], index: INDEX_TARGET, complete: false }
    run.scans = [{ target, reportFile: '/tmp/r.json', findings: ALPINE_FINDINGS }]
    run.baseline = {
      image: 'ghcr.io/acme/api:main',
      findings: new Map([[target, ALPINE_FINDINGS]]),
      unusable: []
    }
    await verifyImageSignature(run, undefined)
    const found = run.verify?.images[0]?.checks.find((c) => c.check === 'attested findings')
    expect(found).toMatchObject({ passed: true })
    expect(found?.detail).toMatch(/^no new attested findings at or above fail-on critical/)

    // One critical the baseline does not have: it counts again.
    verifyImage.mockClear()
    run.baseline.findings.set(
      target,
      ALPINE_FINDINGS.filter((f) => f.severity !== 'CRITICAL' || f.pkg !== 'musl')
    )
    await verifyImageSignature(run, undefined)
    const again = run.verify?.images[0]?.checks.find((c) => c.check === 'attested findings')
    expect(again?.passed).toBe(false)
    expect(again?.detail).toMatch(/^new attested findings at or above fail-on critical: /)
  })

  it('fails an sbom attestation that holds no CycloneDX document', async () => {
    predicates.sbom = { spdxVersion: 'SPDX-2.3' }
    const run = deploy({ verifyAttestations: ['sbom'] })
    await verifyImageSignature(run, undefined)
    expect(run.verify?.images[0]?.checks.at(-1)).toEqual({
      check: 'sbom content',
      passed: false,
      detail: 'the sbom attestation holds no CycloneDX document'
    })
    expect(run.verify?.verified).toBe(false)
  })

  it('is verified only when every check of every digest passed; the failure is the first failed check', async () => {
    predicates.sbom = { bomFormat: 'SPDX' }
    rejectedDigest = PLATFORM_DIGESTS['linux/arm64']
    const run = state(['verify'], {
      plan: indexPlan(['linux/amd64', 'linux/arm64']),
      verifyAttestations: ['sbom']
    })
    await verifyImageSignature(run, undefined)
    const images = run.verify?.images ?? []
    expect(images.map((v) => [v.target.platform, v.verified])).toEqual([
      ['linux/amd64', false],
      ['linux/arm64', false]
    ])
    expect(images[0]?.failure).toBe(
      'sbom content: the sbom attestation holds no CycloneDX document'
    )
    // The signature failed first on arm64: its failure, though the SBOM check failed too.
    expect(images[1]?.failure).toBe('signature: no valid signature')
    expect(images[1]?.checks.map((c) => c.passed)).toEqual([false, true, false])

    predicates.sbom = SBOM
    rejectedDigest = undefined
    verifyImage.mockClear()
    await verifyImageSignature(run, undefined)
    expect(run.verify?.images.map((v) => [v.verified, v.failure])).toEqual([
      [true, undefined],
      [true, undefined]
    ])
    expect(run.verify?.verified).toBe(true)
  })

  it('fails the whole verdict when one digest fails, and says which', async () => {
    rejectedDigest = PLATFORM_DIGESTS['linux/arm64']
    const run = scannedAndPassed(
      state(['scan', 'gate', 'sign', 'verify'], { plan: indexPlan(['linux/amd64', 'linux/arm64']) })
    )
    await verifyImageSignature(run, await signAndAttest(run))
    expect(run.verify?.verified).toBe(false)
    expect(run.verify?.images.map((v) => [v.target.platform, v.verified, v.failure ?? ''])).toEqual(
      [
        ['linux/amd64', true, ''],
        ['linux/arm64', false, 'signature: no valid signature']
      ]
    )
    expect(statusOf(run)).toBe('failed')
  })
})
