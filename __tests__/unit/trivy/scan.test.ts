// runScan, convertReport and trivyVersion against the stand-in trivy, run as the action runs it.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  FIXTURES,
  TRIVY_STANDIN,
  scanOptions,
  useFakeRegistries
} from '../../harness/trivy-standin-run.js'

const warnings: string[] = []
const actualCore = await import('@actions/core')
jest.unstable_mockModule('@actions/core', () => ({
  ...actualCore,
  warning: (message: string | Error) => warnings.push(String(message)),
  info: () => undefined
}))
const { ToolError } = await import('../../../src/errors.js')
const { buildScanArgs, convertReport, runScan } = await import('../../../src/trivy/scan.js')
const { trivyErrors, trivyVersion } = await import('../../../src/trivy/run.js')
const { downloadDb, downloadDbArgs } = await import('../../../src/trivy/db-download.js')
type ScanOptions = import('../../../src/trivy/scan.js').ScanOptions

const AUTH = { username: 'ci-bot', password: 'Sup3r-secret' }
const SAVED_ENV = { ...process.env }
const registries = useFakeRegistries(AUTH)
let work: string

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'trivy-run-'))
  warnings.length = 0
  process.env['IMGSEC_STANDIN_LOG'] = join(work, 'calls.jsonl')
  process.env['STANDIN_TRIVY_REPORT'] = join(FIXTURES, 'alpine-310.json')
})
afterEach(() => {
  process.env = { ...SAVED_ENV }
  rmSync(work, { recursive: true, force: true })
})

function options(overrides: Partial<ScanOptions> = {}): ScanOptions {
  return scanOptions(work, registries.open.pinned, {
    reportFile: join(work, 'out', 'report.json'),
    ...overrides
  })
}

const calls = (): Array<{ argv: string[] }> =>
  readFileSync(join(work, 'calls.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { argv: string[] })

async function scanError(opts: ScanOptions): Promise<InstanceType<typeof ToolError>> {
  const error = await runScan(TRIVY_STANDIN, opts).then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(ToolError)
  return error as InstanceType<typeof ToolError>
}

describe('runScan', () => {
  it('runs trivy once and returns the parsed report of the pinned image', async () => {
    const opts = options()
    const result = await runScan(TRIVY_STANDIN, opts)
    expect(result.reportFile).toBe(opts.reportFile)
    expect(result.report.ArtifactName).toBe(registries.open.pinned)
    expect(result.report.Results?.some((r) => (r.Vulnerabilities ?? []).length > 0)).toBe(true)
    expect(calls()).toEqual([expect.objectContaining({ argv: buildScanArgs(opts) })])
  })

  it('passes registry credentials through the environment only', async () => {
    const opts = options({ target: registries.private.pinned, credentials: AUTH })
    const result = await runScan(TRIVY_STANDIN, opts)
    expect(result.report.ArtifactName).toBe(registries.private.pinned)
    expect(readFileSync(join(work, 'calls.jsonl'), 'utf8')).not.toContain(AUTH.password)
  })

  it('reports a crash as a tool failure with the end of stderr, never an old report', async () => {
    const opts = options()
    await runScan(TRIVY_STANDIN, opts)
    process.env['STANDIN_TRIVY_CRASH'] = '1'
    const error = await scanError(opts)
    expect(error.message).toMatch(
      new RegExp(`^trivy could not scan ${registries.open.pinned.replace(/[.]/g, '\\.')}`)
    )
    expect(error.detail).toContain('FATAL')
    expect(error.detail).toContain('failed to analyze layer')
    expect(existsSync(opts.reportFile)).toBe(false)
  })

  it('reports an image the registry does not have', async () => {
    const missing = `${registries.open.host}/org/app@sha256:${'0'.repeat(64)}`
    const error = await scanError(options({ target: missing }))
    expect(error.message).toContain(`trivy could not scan ${missing}`)
    expect(error.detail).toContain('MANIFEST_UNKNOWN')
  })

  it('refuses a scan that exits 0 without writing a report', async () => {
    const fake = join(work, 'fake-trivy')
    writeFileSync(fake, '#!/bin/sh\nexit 0\n')
    chmodSync(fake, 0o755)
    const error = await runScan(fake, options()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ToolError)
    expect((error as Error).message).toContain('wrote no report')
  })

  it('after the DB download, scans with --skip-db-update and only reads the database', async () => {
    const cacheDir = join(work, 'cache')
    await downloadDb(TRIVY_STANDIN, { dbRepositories: [], cacheDir, auths: [] }, 'the image')
    const opts = options({ skipDbUpdate: true, cacheDir })
    const result = await runScan(TRIVY_STANDIN, opts)
    expect(result.report.ArtifactName).toBe(registries.open.pinned)
    expect(calls().map((call) => call.argv)).toEqual([
      ['image', '--download-db-only', '--cache-dir', cacheDir],
      buildScanArgs(opts)
    ])
    expect(calls()[1]?.argv).toContain('--skip-db-update')
  })

  it('leaves DB download failures to downloadDb: a scan reports them as a scan failure', async () => {
    process.env['STANDIN_TRIVY_RATE_LIMITED'] =
      'mirror.gcr.io/aquasec/trivy-db:2,ghcr.io/aquasecurity/trivy-db:2'
    const error = await scanError(options())
    expect(error.message).toMatch(/^trivy could not scan /)
    expect(error.message).not.toContain('vulnerability database')
    expect(error.detail).toContain('TOOMANYREQUESTS')
  })
})

describe('downloadDb', () => {
  const download = (dbRepositories: string[]) =>
    downloadDb(
      TRIVY_STANDIN,
      { dbRepositories, cacheDir: join(work, 'cache'), auths: [] },
      registries.open.pinned
    ).then(
      () => undefined,
      (e: unknown) => e as InstanceType<typeof ToolError>
    )

  it('downloads with every repository, in order, as repeated --db-repository flags', () => {
    expect(
      downloadDbArgs({
        dbRepositories: ['registry.example.com/trivy-db:2', 'ghcr.io/aquasecurity/trivy-db:2'],
        cacheDir: '/tmp/cache',
        auths: []
      })
    ).toEqual([
      'image',
      '--download-db-only',
      '--db-repository',
      'registry.example.com/trivy-db:2',
      '--db-repository',
      'ghcr.io/aquasecurity/trivy-db:2',
      '--cache-dir',
      '/tmp/cache'
    ])
  })

  it('says to add a fallback when the only DB repository is rate-limited', async () => {
    process.env['STANDIN_TRIVY_RATE_LIMITED'] = 'ghcr.io/aquasecurity/trivy-db:2'
    const error = await download(['ghcr.io/aquasecurity/trivy-db:2'])
    expect(error).toBeInstanceOf(ToolError)
    if (!(error instanceof ToolError)) return
    expect(error.message).toContain(
      `could not download its vulnerability database to scan ${registries.open.pinned}`
    )
    expect(error.message).toContain(
      'the only repository in trivy-db-repository, ghcr.io/aquasecurity/trivy-db:2'
    )
    expect(error.message).toContain('TOOMANYREQUESTS')
    expect(error.message).toContain('Add a fallback')
    expect(error.message).not.toMatch(/could not scan/)
  })

  it('names every repository when all of them are rate-limited', async () => {
    process.env['STANDIN_TRIVY_RATE_LIMITED'] =
      'mirror.gcr.io/aquasec/trivy-db:2,ghcr.io/aquasecurity/trivy-db:2'
    const error = await download([])
    expect(error).toBeInstanceOf(ToolError)
    if (!(error instanceof ToolError)) return
    expect(error.message).toContain(
      'every repository tried (mirror.gcr.io/aquasec/trivy-db:2, ghcr.io/aquasecurity/trivy-db:2)'
    )
    expect(calls()).toHaveLength(1)
  })

  it('warns which repository was skipped when trivy fell back to the next one', async () => {
    process.env['STANDIN_TRIVY_RATE_LIMITED'] = 'mirror.gcr.io/aquasec/trivy-db:2'
    expect(await download([])).toBeUndefined()
    expect(warnings).toEqual([
      expect.stringContaining('mirror.gcr.io/aquasec/trivy-db:2 did not serve')
    ])
    expect(warnings[0]).toContain('rate-limited')
    expect(calls()).toHaveLength(1)
  })
})

describe('convertReport', () => {
  it('writes the cosign-vuln predicate for the attest step', async () => {
    const { reportFile } = await runScan(TRIVY_STANDIN, options())
    const out = join(work, 'vuln.json')
    await convertReport(TRIVY_STANDIN, reportFile, 'cosign-vuln', out, join(work, 'cache'))
    const predicate = JSON.parse(readFileSync(out, 'utf8'))
    expect(predicate.scanner.result.ArtifactName).toBe(registries.open.pinned)
    expect(calls().at(-1)?.argv).toEqual([
      'convert',
      '--format',
      'cosign-vuln',
      '--output',
      out,
      reportFile
    ])
  })

  it('throws a ToolError when the input is not a report', async () => {
    writeFileSync(join(work, 'bad.json'), 'not json')
    const error = await convertReport(
      TRIVY_STANDIN,
      join(work, 'bad.json'),
      'sarif',
      join(work, 'x.sarif'),
      join(work, 'cache')
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ToolError)
  })
})

describe('trivyVersion', () => {
  it('reads the version trivy reports', async () => {
    await expect(trivyVersion(TRIVY_STANDIN)).resolves.toBe('0.0.0-standin')
  })
})

describe('trivyErrors', () => {
  it('keeps trivy’s FATAL and ERROR lines and drops the INFO chatter', () => {
    const stderr = [
      '2026-11-25T03:52:27Z\tINFO\t[vulndb] Downloading vulnerability DB...',
      '2026-11-25T03:52:27Z\tERROR\t[vulndb] Failed to download artifact\trepo="ghcr.io/aquasecurity/trivy-db:2"',
      '2026-11-25T03:52:28Z\tFATAL\tFatal error\trun error: init error: DB error: failed to download',
      '\t* GET https://ghcr.io/v2/aquasecurity/trivy-db/manifests/2: TOOMANYREQUESTS'
    ].join('\n')
    const text = trivyErrors(stderr)
    expect(text).not.toMatch(/INFO/)
    expect(text.split('\n')).toHaveLength(3)
    expect(text).toMatch(/FATAL/)
  })

  it('shows a Go panic from its first line', () => {
    const stderr =
      'INFO\tstarting\npanic: runtime error: index out of range\n\ngoroutine 1 [running]:'
    expect(trivyErrors(stderr)).toMatch(/^panic: runtime error/)
  })
})
