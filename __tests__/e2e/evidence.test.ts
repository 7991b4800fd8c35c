// The deploy gate on evidence and the baseline (issue 13), as a runner runs them with stand-in
// trivy and cosign and a real registry: a release leaves a signature and a vuln attestation; a
// deploy job (`steps: verify`) passes on fresh evidence and refuses, with verified=false and a
// message naming why, an attestation that is missing, too old, signed by another key or listing
// findings at or above fail-on; a pull request's gate counts only what its baseline does not have.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pushImage } from '../harness/images.js'
import { STANDIN_DIR, TRIVY_FIXTURES_DIR } from '../harness/paths.js'
import { cleanupRuns, errorLines, warningLines, type ActionRun } from '../harness/runner.js'
import { startWorld, type World } from '../harness/world.js'

const PASSWORD = 'evidence key password'
/** Medium and lower: a release passes `fail-on: high`. */
const MEDIUM_ONLY = join(TRIVY_FIXTURES_DIR, 'alpine-310.json')
/** 2 critical (CVE-2019-14697 in musl and musl-utils) and 4 medium. */
const WITH_CRITICAL = join(TRIVY_FIXTURES_DIR, 'alpine-39.json')
const DAY = 86_400_000

let world: World
let work: string
const keys: Record<'release' | 'other', { key: string; pub: string; keyFile: string }> = {} as never

function keyPair(name: string): { key: string; pub: string; keyFile: string } {
  const dir = mkdtempSync(join(tmpdir(), `imgsec-evidence-${name}-`))
  execFileSync(process.execPath, [join(STANDIN_DIR, 'cosign.mjs'), 'generate-key-pair'], {
    cwd: dir,
    env: { ...process.env, COSIGN_PASSWORD: PASSWORD, IMGSEC_STANDIN_LOG: '' }
  })
  const keyFile = join(dir, 'cosign.key')
  return {
    key: readFileSync(keyFile, 'utf8'),
    pub: readFileSync(join(dir, 'cosign.pub'), 'utf8'),
    keyFile
  }
}

/** The stand-in cosign run by the test itself (the release of an older scan). */
function cosign(args: string[]): void {
  execFileSync(process.execPath, [join(STANDIN_DIR, 'cosign.mjs'), ...args], {
    env: { ...process.env, COSIGN_PASSWORD: PASSWORD, IMGSEC_STANDIN_LOG: '' },
    stdio: 'pipe'
  })
}

beforeAll(async () => {
  world = await startWorld()
  work = mkdtempSync(join(tmpdir(), 'imgsec-evidence-work-'))
  keys.release = keyPair('release')
  keys.other = keyPair('other')
}, 120_000)
afterAll(async () => {
  await world.stop()
  cleanupRuns()
})

const imageRef = (repository: string, tag: string): string =>
  `${world.registry.host}/${repository}:${tag}`

/** A fresh image of its own in the test registry. */
async function newImage(repository: string, tag = '1.0'): Promise<string> {
  await pushImage(world.registry, repository, tag)
  return imageRef(repository, tag)
}

/** A release: scan, gate, sign and attest with the release key (offline: no transparency log). */
function release(
  image: string,
  report: string,
  extra: Record<string, string> = {}
): Promise<ActionRun> {
  return world.run(
    {
      image,
      steps: 'scan,gate,sign,attest',
      'cosign-key': keys.release.key,
      'cosign-password': PASSWORD,
      'tlog-upload': 'false',
      ...extra
    },
    { env: { STANDIN_TRIVY_REPORT: report } }
  )
}

/** A deploy job: verify only, against the release's public key unless told otherwise. */
function deploy(image: string, extra: Record<string, string> = {}): Promise<ActionRun> {
  return world.run({
    image,
    steps: 'verify',
    'verify-attestations': 'vuln',
    'cosign-public-key': keys.release.pub,
    'tlog-upload': 'false',
    ...extra
  })
}

interface Check {
  image: string
  digest: string | null
  check: string
  passed: boolean
  detail: string
}
const verification = (run: ActionRun): Check[] =>
  JSON.parse(run.outputs['verification'] || '[]') as Check[]
const failed = (run: ActionRun): Check[] => verification(run).filter((check) => !check.passed)
const named = (run: ActionRun, check: string): Check | undefined =>
  verification(run).find((entry) => entry.check === check)

describe('a deploy job verifies the release evidence without scanning again', () => {
  let image: string
  beforeAll(async () => {
    image = await newImage('evidence/api')
    const released = await release(image, MEDIUM_ONLY)
    expect(errorLines(released)).toEqual([])
    expect(released.outputs).toMatchObject({ gate: 'passed', signed: 'true', attested: 'true' })
  }, 180_000)

  it('passes with a fresh vuln attestation by the release key, and lists each check', async () => {
    const run = await deploy(image, { 'max-scan-age': '1h', 'fail-on': 'high' })
    expect(errorLines(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(run.outputs['verified']).toBe('true')
    // Each check of the policy is listed with its result.
    expect(failed(run)).toEqual([])
    for (const check of ['signature', 'vuln attestation', 'scan age', 'attested findings']) {
      expect([check, named(run, check)?.passed]).toEqual([check, true])
    }
    expect(named(run, 'scan age')?.detail).toMatch(/^scanned .* ago .*within max-scan-age \(1h\)/)
    // No scan: trivy is neither downloaded nor run.
    expect(world.calls(run).filter((call) => call.tool === 'trivy')).toEqual([])
  }, 120_000)

  it('fails when the release key did not sign it', async () => {
    const run = await deploy(image, { 'cosign-public-key': keys.other.pub })
    expect(run.exitCode).toBe(1)
    expect(run.outputs['verified']).toBe('false')
    expect(failed(run).map((check) => check.check)).toContain('signature')
    expect(errorLines(run).join('\n')).toMatch(
      /Verification failed for .*no valid signature by key/
    )
  }, 120_000)
})

describe('a deploy job refuses missing, stale or failing evidence', () => {
  it('fails on a missing vuln attestation, then on one older than max-scan-age, naming its age', async () => {
    const image = await newImage('evidence/stale')
    // Released without attest: signed, with no vuln attestation.
    const released = await release(image, MEDIUM_ONLY, { steps: 'scan,gate,sign' })
    expect(released.outputs['signed']).toBe('true')
    const missing = await deploy(image)
    expect(missing.exitCode).toBe(1)
    expect(missing.outputs['verified']).toBe('false')
    expect(failed(missing).map((check) => check.check)).toEqual(['vuln attestation'])
    expect(errorLines(missing).join('\n')).toMatch(/no valid vuln attestation by key/)

    // Then the only vuln attestation is a scan of ten days ago, signed by the release key.
    const then = new Date(Date.now() - 10 * DAY - 3 * 3_600_000).toISOString()
    const report = { ...JSON.parse(readFileSync(MEDIUM_ONLY, 'utf8')), CreatedAt: then }
    const predicate = join(work, 'stale.json')
    writeFileSync(
      predicate,
      JSON.stringify({
        invocation: { parameters: null, uri: '', event_id: '', 'builder.id': '' },
        scanner: {
          uri: 'pkg:github/aquasecurity/trivy@0.73.1',
          version: '0.73.1',
          db: {},
          result: report
        },
        metadata: { scanStartedOn: then, scanFinishedOn: then }
      })
    )
    cosign([
      'attest',
      '--yes',
      '--key',
      keys.release.keyFile,
      '--use-signing-config=false',
      '--tlog-upload=false',
      '--type',
      'vuln',
      '--predicate',
      predicate,
      released.outputs['image-ref'] ?? ''
    ])
    const stale = await deploy(image, { 'max-scan-age': '7d' })
    expect(stale.exitCode).toBe(1)
    expect(stale.outputs['verified']).toBe('false')
    expect(failed(stale)).toEqual([
      expect.objectContaining({
        check: 'scan age',
        detail: expect.stringMatching(
          /^scanned 10 d 3 h ago \(.*\), longer ago than max-scan-age \(7d\)$/
        ) as unknown
      })
    ])
    expect(errorLines(stale).join('\n')).toMatch(/scanned 10 d 3 h ago/)
    // Without a limit the same evidence passes.
    expect((await deploy(image)).outputs['verified']).toBe('true')
  }, 240_000)

  it('applies fail-on to the attested findings', async () => {
    const image = await newImage('evidence/critical')
    // A release that gated with fail-on: none, so its signed scan holds 2 critical findings.
    const released = await release(image, WITH_CRITICAL, { 'fail-on': 'none' })
    expect(released.outputs).toMatchObject({ gate: 'passed', attested: 'true' })

    const refused = await deploy(image, { 'fail-on': 'high' })
    expect(refused.exitCode).toBe(1)
    expect(refused.outputs['verified']).toBe('false')
    expect(failed(refused).map((check) => [check.check, check.detail])).toEqual([
      ['attested findings', 'attested findings at or above fail-on high: 2 critical']
    ])
    expect(errorLines(refused).join('\n')).toMatch(/2 critical/)
    expect((await deploy(image, { 'fail-on': 'none' })).outputs['verified']).toBe('true')
  }, 240_000)
})

describe('a pull request gated against its baseline', () => {
  let baseline: string
  let pr: string
  /** alpine-39's findings plus one new critical one. */
  let withNewCritical: string
  beforeAll(async () => {
    baseline = await newImage('evidence/app', 'main')
    pr = await newImage('evidence/app', 'pr-7')
    const released = await release(baseline, WITH_CRITICAL, { 'fail-on': 'none' })
    expect(released.outputs['attested']).toBe('true')
    const report = JSON.parse(readFileSync(WITH_CRITICAL, 'utf8')) as {
      Results: Array<{ Vulnerabilities: Array<Record<string, string>> }>
    }
    report.Results[0]?.Vulnerabilities.push({
      VulnerabilityID: 'CVE-2026-4242',
      PkgName: 'busybox',
      InstalledVersion: '1.29.3-r10',
      FixedVersion: '1.29.3-r11',
      Severity: 'CRITICAL',
      Title: 'the new flaw this pull request brings'
    })
    withNewCritical = join(work, 'with-new-critical.json')
    writeFileSync(withNewCritical, JSON.stringify(report))
  }, 180_000)

  const check = (report: string, extra: Record<string, string> = {}): Promise<ActionRun> =>
    world.run(
      {
        image: pr,
        steps: 'scan,gate',
        'fail-on': 'high',
        'baseline-image': baseline,
        'cosign-public-key': keys.release.pub,
        'tlog-upload': 'false',
        ...extra
      },
      { env: { STANDIN_TRIVY_REPORT: report } }
    )

  it("passes an image that has only the baseline's findings, which fails without the baseline", async () => {
    const run = await check(WITH_CRITICAL)
    expect(errorLines(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({
      gate: 'passed',
      'new-findings': '0',
      'fixed-findings': '0'
    })
    expect(run.summary).toMatch(/baseline/i)

    const alone = await world.run(
      { image: pr, steps: 'scan,gate', 'fail-on': 'high' },
      { env: { STANDIN_TRIVY_REPORT: WITH_CRITICAL } }
    )
    expect(alone.exitCode).toBe(1)
    expect(alone.outputs).toMatchObject({ gate: 'failed', 'new-findings': '' })
  }, 240_000)

  it('fails on one new critical finding and shows it first', async () => {
    const run = await check(withNewCritical)
    expect(run.exitCode).toBe(1)
    expect(run.outputs).toMatchObject({
      gate: 'failed',
      'new-findings': '1',
      'fixed-findings': '0'
    })
    expect(errorLines(run).join('\n')).toMatch(/Gate failed/)
    // The new finding comes before the critical ones the baseline already had.
    const at = (id: string): number => run.summary.indexOf(id)
    expect(at('CVE-2026-4242')).toBeGreaterThan(-1)
    expect(at('CVE-2026-4242')).toBeLessThan(at('CVE-2019-14697'))
  }, 120_000)

  it('counts every finding when the baseline is signed by nobody it trusts, and warns', async () => {
    const run = await check(WITH_CRITICAL, { 'cosign-public-key': keys.other.pub })
    expect(run.outputs).toMatchObject({ gate: 'failed', 'new-findings': '' })
    expect(warningLines(run).join('\n')).toMatch(/baseline-image .* not used.*every finding counts/)
  }, 120_000)
})
