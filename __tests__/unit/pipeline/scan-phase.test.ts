// The scan and gate phases as a user sees them: the digest that will be signed is the one scanned,
// a trivy crash is an `error` step (never a verdict) with the DB still saved, the gate's verdict is
// the step's status, and the attested predicate is converted from the very report that was gated.
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import { ToolError } from '../../../src/errors.js'
import type { Inputs } from '../../../src/inputs/inputs.js'
import type { RunState } from '../../../src/pipeline/run-state.js'
import type { InstalledTool } from '../../../src/tools/install.js'
import type { TrivyReport } from '../../../src/trivy/report.js'
import type { ResolvedImage, Step } from '../../../src/types.js'

type RunScan = (
  path: string,
  options: { target: string; reportFile: string; cacheDir: string }
) => Promise<{ reportFile: string; report: TrivyReport }>
const runScan = jest.fn<RunScan>()
const convertReport = jest.fn(async (..._args: unknown[]) => undefined)
jest.unstable_mockModule('../../../src/trivy/scan.js', () => ({ runScan, convertReport }))

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

const { gateImage, scanImage, vulnPredicate } = await import('../../../src/pipeline/scan-phase.js')
const { StepLog } = await import('../../../src/pipeline/step-log.js')

const DIGEST = `sha256:${'b'.repeat(64)}`
const PINNED = `127.0.0.1:5000/team/app@${DIGEST}`
const tool = { path: '/tools/trivy', version: '0.70.0' } as unknown as InstalledTool

function report(severity: string): TrivyReport {
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
            VulnerabilityID: 'CVE-2026-0001',
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

function state(failOn = 'HIGH'): RunState {
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
      failOn
    } as unknown as Inputs,
    steps: new StepLog(steps),
    tools: { trivy: tool } as unknown as RunState['tools'],
    image: { pinnedRef: PINNED } as unknown as ResolvedImage,
    reportFailures: []
  }
}

const statusOf = (run: RunState, step: Step) => run.steps.all().find((r) => r.step === step)

beforeEach(() => {
  runScan.mockReset()
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
    expect(run.scan?.reportFile).toBe('/run/trivy-report.json')
    expect(run.scan?.findings.map((f) => [f.id, f.severity])).toEqual([['CVE-2026-0001', 'HIGH']])
    expect(statusOf(run, 'scan')?.status).toBe('passed')
  })

  it('turns a trivy crash into an `error` step and no report, and still saves the DB', async () => {
    const crash = new ToolError('trivy failed for 127.0.0.1:5000/team/app: exit code 2')
    runScan.mockRejectedValue(crash)
    const run = state()
    await expect(scanImage(run)).rejects.toBe(crash)
    expect(statusOf(run, 'scan')).toMatchObject({ status: 'error', reason: 'the tool failed' })
    expect(run.scan).toBeUndefined()
    expect(saveDb).toHaveBeenCalledTimes(1)
  })

  it('gives no report from a stale database', async () => {
    runScan.mockResolvedValue({ reportFile: '/run/trivy-report.json', report: report('LOW') })
    assertDbFresh.mockImplementationOnce(() => {
      throw new ToolError('the trivy DB is older than db-max-age')
    })
    const run = state()
    await expect(scanImage(run)).rejects.toThrow(/db-max-age/)
    expect(run.scan).toBeUndefined()
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
    const predicate = await vulnPredicate(tool, run.scan?.reportFile ?? '')
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
})
