// The scan and gate phases as a user sees them: the digests that will be signed are the ones
// scanned, one scan per platform image after one DB download, a trivy crash is an `error` step
// (never a verdict) naming the platform with the DB still saved, the gate's verdict over every
// platform is the step's status, and the attested predicate is converted from the very report that
// was gated.
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import { ToolError } from '../../../src/errors.js'
import type { Inputs } from '../../../src/inputs/inputs.js'
import type { RunState } from '../../../src/pipeline/run-state.js'
import type { InstalledTool } from '../../../src/tools/install.js'
import type { TrivyReport } from '../../../src/trivy/report.js'
import type { ScanOptions } from '../../../src/trivy/scan.js'
import type { ImageTarget, ResolvedImage, Step } from '../../../src/types.js'

type RunScan = (
  path: string,
  options: ScanOptions
) => Promise<{ reportFile: string; report: TrivyReport }>
const runScan = jest.fn<RunScan>()
const convertReport = jest.fn(async (..._args: unknown[]) => undefined)
jest.unstable_mockModule('../../../src/trivy/scan.js', () => ({ runScan, convertReport }))
const downloadDb = jest.fn(async (..._args: unknown[]) => undefined)
jest.unstable_mockModule('../../../src/trivy/db-download.js', () => ({ downloadDb }))

const saveDb = jest.fn(async (..._args: unknown[]) => undefined)
const assertDbFresh = jest.fn()
jest.unstable_mockModule('../../../src/trivy/db-cache.js', () => ({
  trivyCacheDir: () => '/cache/trivy',
  restoreDb: jest.fn(async () => ({ key: 'trivy-db' })),
  saveDb,
  assertDbFresh
}))
jest.unstable_mockModule('../../../src/secure-fs/run-dir.js', () => ({ workDir: () => '/run' }))
jest.unstable_mockModule('@actions/core', () => ({
  info: jest.fn(),
  group: (_title: string, work: () => Promise<unknown>) => work()
}))

const { counted, gateImage, scanImage, vulnPredicate } =
  await import('../../../src/pipeline/scan-phase.js')
const { StepLog } = await import('../../../src/pipeline/step-log.js')

const DIGEST = `sha256:${'b'.repeat(64)}`
const PINNED = `127.0.0.1:5000/team/app@${DIGEST}`
const tool = { path: '/tools/trivy', version: '0.70.0' } as unknown as InstalledTool

function report(severity: string, id = 'CVE-2026-0001'): TrivyReport {
  return {
    SchemaVersion: 2,
    ArtifactName: PINNED,
    Results: [
      {
        Target: 'team/app (alpine 3.20)',
        Class: 'os-pkgs',
        Type: 'alpine',
        Vulnerabilities: [
          {
            VulnerabilityID: id,
            PkgName: 'openssl',
            InstalledVersion: '3.0.0',
            FixedVersion: '3.0.1',
            Severity: severity,
            Title: 'a flaw'
          }
        ]
      }
    ]
  } as unknown as TrivyReport
}

const TARGET: ImageTarget = { platform: 'linux/amd64', digest: DIGEST, ref: PINNED }
/** The targets of an index over these platform images. */
const targets = (...platforms: string[]): ImageTarget[] =>
  platforms.map((platform, i) => {
    const digest = `sha256:${String(i + 1).repeat(64)}`
    return { platform, digest, ref: `127.0.0.1:5000/team/app@${digest}` }
  })

function state(failOn = 'HIGH', plan: ImageTarget[] = [TARGET]): RunState {
  const steps = new Set<Step>(['scan', 'gate', 'attest'])
  return {
    inputs: {
      steps,
      image: { registry: '127.0.0.1:5000', repository: 'team/app', tag: 'v1' },
      imageSource: { kind: 'registry' },
      registryCredentials: undefined,
      cacheDb: true,
      dbMaxAge: { ms: 86_400_000 },
      scanners: ['vuln'],
      ignoreUnfixed: false,
      trivyDbRepositories: [],
      attestations: ['vuln'],
      failOn
    } as unknown as Inputs,
    steps: new StepLog(steps),
    tools: { trivy: tool } as unknown as RunState['tools'],
    image: { pinnedRef: PINNED } as unknown as ResolvedImage,
    plan: { targets: plan, complete: true },
    reportFailures: []
  }
}

const statusOf = (run: RunState, step: Step) => run.steps.all().find((r) => r.step === step)

beforeEach(() => {
  runScan.mockReset()
  downloadDb.mockClear()
  saveDb.mockClear()
  convertReport.mockClear()
})

describe('scanImage', () => {
  it('scans the pinned digest, the one that will be signed, and keeps its findings', async () => {
    runScan.mockResolvedValue({ reportFile: '/run/trivy-report.json', report: report('HIGH') })
    const run = state()
    await scanImage(run)
    expect(runScan.mock.calls[0]?.[1]).toMatchObject({
      target: PINNED,
      reportFile: '/run/trivy-report.json'
    })
    expect(run.scans?.map((scan) => scan.target)).toEqual([TARGET])
    expect(run.scans?.[0]?.reportFile).toBe('/run/trivy-report.json')
    expect(run.scans?.[0]?.findings.map((f) => [f.id, f.severity])).toEqual([
      ['CVE-2026-0001', 'HIGH']
    ])
    expect(statusOf(run, 'scan')?.status).toBe('passed')
  })

  it('downloads the DB once, then scans each platform image by its own digest', async () => {
    runScan.mockImplementation(async (_path, options) => ({
      reportFile: options.reportFile,
      report: report('LOW')
    }))
    const plan = targets('linux/amd64', 'linux/arm64', 'linux/arm/v7')
    const run = state('HIGH', plan)
    await scanImage(run)
    expect(downloadDb).toHaveBeenCalledTimes(1)
    expect(downloadDb.mock.invocationCallOrder[0]).toBeLessThan(
      Math.min(...runScan.mock.invocationCallOrder)
    )
    const options = runScan.mock.calls.map(([, o]) => o)
    expect(options.map((o) => o.target)).toEqual(plan.map((t) => t.ref))
    expect(options.map((o) => o.reportFile)).toEqual([
      '/run/trivy-report-linux-amd64.json',
      '/run/trivy-report-linux-arm64.json',
      '/run/trivy-report-linux-arm-v7.json'
    ])
    // The database is only read by the scans, and the platform is the digest (no --platform).
    for (const o of options) {
      expect(o).toMatchObject({ skipDbUpdate: true, listAllPackages: false })
      expect(o.platform).toBeUndefined()
    }
    expect(run.scans?.map((scan) => scan.target)).toEqual(plan)
    expect(run.scans?.map((scan) => scan.reportFile)).toEqual(options.map((o) => o.reportFile))
  })

  it('downloads no DB when the vuln scanner is not selected, and lets the scan read its own', async () => {
    runScan.mockResolvedValue({ reportFile: '/run/trivy-report.json', report: report('LOW') })
    const run = state()
    run.inputs.scanners = ['secret']
    await scanImage(run)
    expect(downloadDb).not.toHaveBeenCalled()
    expect(runScan.mock.calls[0]?.[1]).toMatchObject({ skipDbUpdate: false })
  })

  it('lists every package and writes an SBOM per platform when attestations include sbom', async () => {
    runScan.mockImplementation(async (_path, options) => ({
      reportFile: options.reportFile,
      report: report('LOW')
    }))
    const run = state('HIGH', targets('linux/amd64', 'linux/arm64'))
    run.inputs.attestations = ['vuln', 'sbom']
    await scanImage(run)
    expect(runScan.mock.calls.map(([, o]) => o.listAllPackages)).toEqual([true, true])
    expect(run.scans?.map((scan) => scan.sbomFile)).toEqual([
      '/run/sbom-linux-amd64.cdx.json',
      '/run/sbom-linux-arm64.cdx.json'
    ])
    expect(convertReport).toHaveBeenCalledWith(
      '/tools/trivy',
      '/run/trivy-report-linux-arm64.json',
      'cyclonedx',
      '/run/sbom-linux-arm64.cdx.json',
      '/cache/trivy'
    )
  })

  it('names the platform whose scan failed, gives no report, and lets the others finish', async () => {
    const crash = new ToolError('trivy could not scan (exit code 2)')
    let amd64Done = false
    runScan.mockImplementation(async (_path, options) => {
      if (options.target.endsWith('2'.repeat(64))) throw crash
      await new Promise((resolve) => setTimeout(resolve, 20))
      amd64Done = true
      return { reportFile: options.reportFile, report: report('LOW') }
    })
    const plan = targets('linux/amd64', 'linux/arm64')
    const run = state('HIGH', plan)
    const error = (await scanImage(run).catch((e: unknown) => e)) as Error
    expect(error.message).toBe(
      `Could not scan platform linux/arm64 (${plan[1]?.ref}); nothing is signed`
    )
    expect(error.cause).toBe(crash)
    expect(amd64Done).toBe(true)
    expect(run.scans).toBeUndefined()
    expect(statusOf(run, 'scan')?.status).toBe('error')
    expect(saveDb).toHaveBeenCalledTimes(1)
  })

  it('picks the platform with --platform for an image from the Docker daemon', async () => {
    runScan.mockResolvedValue({ reportFile: '/run/trivy-report.json', report: report('LOW') })
    const run = state('HIGH', [{ platform: 'linux/arm64', ref: 'app:dev' }])
    run.image = undefined
    run.inputs.imageSource = { kind: 'docker' }
    await scanImage(run)
    expect(runScan.mock.calls[0]?.[1]).toMatchObject({ target: 'app:dev', platform: 'linux/arm64' })
  })

  it('turns a trivy crash into an `error` step and no report, and still saves the DB', async () => {
    const crash = new ToolError('trivy failed for 127.0.0.1:5000/team/app: exit code 2')
    runScan.mockRejectedValue(crash)
    const run = state()
    const error = (await scanImage(run).catch((e: unknown) => e)) as Error
    expect(error.message).toBe(`Could not scan platform linux/amd64 (${PINNED}); nothing is signed`)
    expect(error.cause).toBe(crash)
    expect(statusOf(run, 'scan')).toMatchObject({ status: 'error', reason: 'the tool failed' })
    expect(run.scans).toBeUndefined()
    expect(saveDb).toHaveBeenCalledTimes(1)
  })

  it('gives no report from a stale database', async () => {
    runScan.mockResolvedValue({ reportFile: '/run/trivy-report.json', report: report('LOW') })
    assertDbFresh.mockImplementationOnce(() => {
      throw new ToolError('the trivy DB is older than db-max-age')
    })
    const run = state()
    await expect(scanImage(run)).rejects.toThrow(/db-max-age/)
    expect(run.scans).toBeUndefined()
    expect(runScan).not.toHaveBeenCalled()
    expect(statusOf(run, 'scan')?.status).toBe('error')
  })
})

describe('gateImage', () => {
  it.each([
    ['HIGH', 'HIGH', 'failed'],
    ['LOW', 'HIGH', 'passed'],
    ['CRITICAL', 'NONE', 'passed']
  ])('records a %s finding under fail-on %s as %s', async (severity, failOn, verdict) => {
    runScan.mockResolvedValue({ reportFile: '/run/trivy-report.json', report: report(severity) })
    const run = state(failOn)
    await scanImage(run)
    await gateImage(run)
    expect(run.gate?.verdict).toBe(verdict)
    expect(statusOf(run, 'gate')?.status).toBe(verdict)
  })

  it('fails when any platform fails, and names the failing platforms in scan order', async () => {
    const severities: Record<string, string> = {
      [`sha256:${'1'.repeat(64)}`]: 'HIGH',
      [`sha256:${'2'.repeat(64)}`]: 'LOW',
      [`sha256:${'3'.repeat(64)}`]: 'CRITICAL'
    }
    runScan.mockImplementation(async (_path, options) => {
      const digest = options.target.split('@')[1] ?? ''
      return { reportFile: options.reportFile, report: report(severities[digest] ?? '', digest) }
    })
    const run = state('HIGH', targets('linux/amd64', 'linux/arm64', 'linux/s390x'))
    await scanImage(run)
    await gateImage(run)
    expect(run.gate?.verdict).toBe('failed')
    expect(run.gate?.failingPlatforms).toEqual(['linux/amd64', 'linux/s390x'])
    expect(run.scans?.map((scan) => scan.gate?.verdict)).toEqual(['failed', 'passed', 'failed'])
    expect(run.gate?.counts).toMatchObject({ CRITICAL: 1, HIGH: 1, LOW: 1 })
    expect(statusOf(run, 'gate')?.status).toBe('failed')
  })

  it('counts a finding present on several platforms once', async () => {
    runScan.mockImplementation(async (_path, options) => ({
      reportFile: options.reportFile,
      report: report('HIGH')
    }))
    const run = state('CRITICAL', targets('linux/amd64', 'linux/arm64'))
    await scanImage(run)
    await gateImage(run)
    expect(run.scans?.map((scan) => scan.gate?.counts.HIGH)).toEqual([1, 1])
    expect(run.gate).toMatchObject({ verdict: 'passed', total: 1, failingPlatforms: [] })
    expect(run.gate?.counts.HIGH).toBe(1)
  })

  it('against a verified baseline, gates each platform over its new findings only', async () => {
    const ids: Record<string, string> = {
      [`sha256:${'1'.repeat(64)}`]: 'CVE-2026-0001',
      [`sha256:${'2'.repeat(64)}`]: 'CVE-2026-0002'
    }
    runScan.mockImplementation(async (_path, options) => {
      const digest = options.target.split('@')[1] ?? ''
      return { reportFile: options.reportFile, report: report('CRITICAL', ids[digest]) }
    })
    const run = state('HIGH', targets('linux/amd64', 'linux/arm64'))
    await scanImage(run)
    const [amd64, arm64] = run.scans ?? []
    const had = amd64!.findings[0]!
    const gone = { ...had, id: 'CVE-2025-9999' }
    // amd64's baseline had its critical already (and one since fixed); arm64 has no baseline.
    run.baseline = {
      image: 'ghcr.io/acme/api:main',
      findings: new Map([[amd64!.target, [had, gone]]]),
      unusable: []
    }
    await gateImage(run)
    expect(amd64!.comparison).toEqual({ added: [], present: [had], fixed: [gone] })
    expect(arm64!.comparison).toBeUndefined()
    expect(counted(amd64!)).toEqual([])
    expect(counted(arm64!)).toEqual(arm64!.findings)
    expect(run.scans?.map((scan) => scan.gate?.verdict)).toEqual(['passed', 'failed'])
    expect(run.gate).toMatchObject({
      verdict: 'failed',
      total: 1,
      failingPlatforms: ['linux/arm64']
    })
    expect(run.gate?.counts.CRITICAL).toBe(1)

    // The same image without the baseline fails on both platforms.
    run.baseline = undefined
    await gateImage(run)
    expect(amd64!.comparison).toBeUndefined()
    expect(run.gate).toMatchObject({ total: 2, failingPlatforms: ['linux/amd64', 'linux/arm64'] })
  })

  it('gives no verdict without a report', async () => {
    const run = state()
    await gateImage(run)
    expect(run.gate).toBeUndefined()
    expect(statusOf(run, 'gate')?.reason).toBe('an earlier step failed')
  })
})

describe('vulnPredicate', () => {
  it("converts the scan's own report to cosign's vuln predicate (no second scan)", async () => {
    runScan.mockResolvedValue({ reportFile: '/run/trivy-report.json', report: report('LOW') })
    const run = state()
    await scanImage(run)
    const scan = run.scans?.[0]
    if (!scan) throw new Error('no scan')
    const predicate = await vulnPredicate(tool, scan, false)
    expect(predicate).toBe('/run/vuln-predicate.json')
    expect(convertReport).toHaveBeenCalledWith(
      '/tools/trivy',
      '/run/trivy-report.json',
      'cosign-vuln',
      '/run/vuln-predicate.json',
      '/cache/trivy'
    )
    expect(runScan).toHaveBeenCalledTimes(1)
  })

  it('names the predicate of each platform after it when there are several', async () => {
    const [, arm64] = targets('linux/amd64', 'linux/arm64')
    if (!arm64) throw new Error('no target')
    const scan = { target: arm64, reportFile: '/run/trivy-report-linux-arm64.json', findings: [] }
    expect(await vulnPredicate(tool, scan, true)).toBe('/run/vuln-predicate-linux-arm64.json')
    expect(convertReport).toHaveBeenCalledWith(
      '/tools/trivy',
      '/run/trivy-report-linux-arm64.json',
      'cosign-vuln',
      '/run/vuln-predicate-linux-arm64.json',
      '/cache/trivy'
    )
  })
})
