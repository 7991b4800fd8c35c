// Scan and gate as a runner runs them, against stand-in trivy and a real registry on loopback:
// one trivy run per image, by digest; a failing gate still writes every report before it fails;
// a crashed tool reads differently from a failed gate.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { startCodeScanningApi, type CodeScanningApi } from '../harness/code-scanning-api.js'
import { generateReport } from '../harness/generate-report.js'
import { pushImage } from '../harness/images.js'
import { TRIVY_FIXTURES_DIR } from '../harness/paths.js'
import { cleanupRuns, errorLines, FAKE_GITHUB_TOKEN, warningLines } from '../harness/runner.js'
import { startWorld, type World } from '../harness/world.js'

const report = (name: string): Record<string, string> => ({
  STANDIN_TRIVY_REPORT: join(TRIVY_FIXTURES_DIR, name)
})
// alpine-39.json: 2 critical and 4 medium vulnerabilities, all fixable.
const CRITICAL_REPORT = report('alpine-39.json')

let world: World
beforeAll(async () => {
  world = await startWorld({ auth: { username: 'ci', password: 'registry-pass-1' } })
})
afterAll(async () => {
  await world.stop()
  cleanupRuns()
})

const credentials = { 'registry-username': 'ci', 'registry-password': 'registry-pass-1' }

/** The scans of a run: the DB is downloaded by a `trivy image --download-db-only` of its own. */
function trivyImageCalls(world: World, run: Awaited<ReturnType<World['run']>>): string[][] {
  return world.scans(run)
}

describe('a scan that fails the gate', () => {
  let run: Awaited<ReturnType<World['run']>>
  beforeAll(async () => {
    run = await world.run(
      { ...credentials, steps: 'scan,gate', 'fail-on': 'high' },
      { env: CRITICAL_REPORT }
    )
  })

  it('runs trivy exactly once, on the digest the registry holds', () => {
    const calls = trivyImageCalls(world, run)
    expect(calls).toHaveLength(1)
    expect(calls[0]?.at(-1)).toBe(`${world.repository}@${world.pushed.digest}`)
    expect(run.outputs['digest']).toBe(world.pushed.digest)
    expect(run.outputs['image-ref']).toBe(`${world.repository}@${world.pushed.digest}`)
  })

  it('fails the step with the gate verdict, after writing SARIF, summary and outputs', () => {
    expect(run.exitCode).toBe(1)
    expect(run.outputs['gate']).toBe('failed')
    expect(run.outputs['critical']).toBe('2')
    expect(run.outputs['medium']).toBe('4')
    expect(JSON.parse(run.outputs['vulnerabilities'] ?? '{}')).toMatchObject({
      critical: 2,
      total: 6,
      fixable: { critical: 2 }
    })
    const sarifFile = run.outputs['sarif-file'] as string
    expect(existsSync(sarifFile)).toBe(true)
    expect(JSON.parse(readFileSync(sarifFile, 'utf8')).runs[0].results).toHaveLength(6)
    expect(existsSync(run.outputs['report-file'] as string)).toBe(true)
    expect(run.summary).toContain(world.pushed.digest)
    const errors = errorLines(run).join('\n')
    expect(errors).toMatch(/Gate failed for .*@sha256:[0-9a-f]{64}: 2 critical/)
    expect(errors).not.toMatch(/could not scan/)
  })

  it('never puts the registry password on a command line', () => {
    const argv = world.calls(run).flatMap((call) => call.argv)
    expect(argv.join(' ')).not.toContain('registry-pass-1')
    // `::add-mask::` is how a secret is registered with the runner, which never prints it.
    const logged = run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'))
    expect(logged.join('\n')).not.toContain('registry-pass-1')
  })
})

describe('settings an earlier step or a pull request planted', () => {
  it('change nothing: TRIVY_SEVERITY and a workspace trivy.yaml, the gate still fails', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'imgsec-planted-ws-'))
    writeFileSync(join(workspace, 'trivy.yaml'), 'severity:\n  - LOW\n')
    writeFileSync(join(workspace, '.trivyignore'), 'CVE-0000-0000\n')
    const run = await world.run(
      { ...credentials, steps: 'scan,gate', 'fail-on': 'high' },
      { env: { ...CRITICAL_REPORT, TRIVY_SEVERITY: 'LOW' }, workspace }
    )
    expect(run.outputs['gate']).toBe('failed')
    expect(run.outputs['critical']).toBe('2')
    const trivy = world.calls(run).filter((c) => c.tool === 'trivy' && c.argv[0] === 'image')
    expect(world.scans(run)).toHaveLength(1)
    for (const call of trivy) {
      expect(call.cwd).not.toBe(workspace)
      expect(call.cwd.startsWith(run.runnerTemp)).toBe(true)
    }
    expect(run.summary).toContain('Suppressions trivy applied: ignore file `.trivyignore`.')
  })
})

describe('a symbolic link committed where the SARIF file goes', () => {
  it('is refused naming sarif-file, and the file it points at is left alone', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'imgsec-link-ws-'))
    const victim = join(mkdtempSync(join(tmpdir(), 'imgsec-link-out-')), 'authorized_keys')
    writeFileSync(victim, 'ssh-ed25519 AAAA original\n')
    symlinkSync(victim, join(workspace, 'imgsec-results.sarif'))
    const before = world.mirror.requests.count
    const run = await world.run(
      { ...credentials, steps: 'scan,gate', 'fail-on': 'none' },
      { env: CRITICAL_REPORT, workspace }
    )
    expect(run.exitCode).toBe(1)
    expect(errorLines(run)).toEqual([expect.stringContaining("Input 'sarif-file'")])
    expect(readFileSync(victim, 'utf8')).toBe('ssh-ed25519 AAAA original\n')
    expect(world.mirror.requests.count).toBe(before)
  })
})

describe('a vulnerability database that never needs an update', () => {
  it('is not used for the gate: gate=error, naming db-max-age', async () => {
    // What a planted cache entry looks like: an old database whose metadata says it is current.
    const runnerTemp = mkdtempSync(join(tmpdir(), 'imgsec-planted-db-'))
    const db = join(runnerTemp, 'imgsec-trivy-cache', 'db')
    mkdirSync(db, { recursive: true })
    writeFileSync(join(db, 'trivy.db'), 'planted')
    writeFileSync(
      join(db, 'metadata.json'),
      JSON.stringify({
        Version: 2,
        NextUpdate: '2099-01-01T00:00:00Z',
        UpdatedAt: '2025-01-01T00:00:00Z',
        DownloadedAt: '2025-01-01T00:00:00Z'
      })
    )
    const run = await world.run(
      { ...credentials, steps: 'scan,gate', 'fail-on': 'none' },
      { env: CRITICAL_REPORT, runnerTemp }
    )
    expect(run.exitCode).toBe(1)
    expect(run.outputs['gate']).toBe('error')
    expect(errorLines(run).join('\n')).toMatch(/longer ago than db-max-age \(7d\)/)
  })
})

describe('the same findings with fail-on: none', () => {
  it('passes and still reports the counts', async () => {
    const run = await world.run(
      { ...credentials, steps: 'scan,gate', 'fail-on': 'none' },
      { env: CRITICAL_REPORT }
    )
    expect(run.exitCode).toBe(0)
    expect(run.outputs['gate']).toBe('passed')
    expect(run.outputs['critical']).toBe('2')
  })
})

describe('a trivy crash', () => {
  it('fails with trivy’s own error, and the gate output says error, not failed', async () => {
    const run = await world.run(
      { ...credentials, steps: 'scan,gate' },
      { env: { ...CRITICAL_REPORT, STANDIN_TRIVY_CRASH: '1' } }
    )
    expect(run.exitCode).toBe(1)
    expect(run.outputs['gate']).toBe('error')
    const errors = errorLines(run).join('\n')
    expect(errors).toMatch(/trivy could not scan/)
    expect(errors).not.toMatch(/Gate failed/)
    expect(run.outputs['sarif-file']).toBe('')
    expect(run.summary).toMatch(/What went wrong[\s\S]*FATAL/)
    expect(run.summary).not.toMatch(/INFO/)
  })
})

describe('images and registries', () => {
  it('scans each platform image of a multi-platform image by its own digest', async () => {
    const pushed = await pushImage(world.registry, 'team/multi', '2.0', {
      platforms: ['linux/amd64', 'linux/arm64']
    })
    const run = await world.run({
      ...credentials,
      image: `${world.registry.host}/team/multi:2.0`,
      steps: 'scan,gate',
      'fail-on': 'none'
    })
    expect(run.exitCode).toBe(0)
    expect(run.outputs['digest']).toBe(pushed.digest)
    expect(
      trivyImageCalls(world, run)
        .map((argv) => argv.at(-1))
        .sort()
    ).toEqual(
      Object.values(pushed.platformDigests)
        .map((digest) => `${world.registry.host}/team/multi@${digest}`)
        .sort()
    )
  })

  it('says the image was not found, before running trivy', async () => {
    const run = await world.run({ ...credentials, image: `${world.repository}:missing` })
    expect(run.exitCode).toBe(1)
    expect(errorLines(run).join('\n')).toMatch(/was not found/)
    expect(trivyImageCalls(world, run)).toEqual([])
    expect(run.outputs['gate']).toBe('error')
  })

  it('says the registry refused the credentials', async () => {
    const run = await world.run({
      'registry-username': 'ci',
      'registry-password': 'wrong-password'
    })
    expect(run.exitCode).toBe(1)
    expect(errorLines(run).join('\n')).toMatch(/refused the credentials/)
  })
})

describe('upload-sarif', () => {
  let api: CodeScanningApi
  beforeAll(async () => {
    api = await startCodeScanningApi({ token: FAKE_GITHUB_TOKEN, pendingPolls: 0 })
  })
  afterAll(() => api.close())

  it('uploads the SARIF it wrote, for the run’s commit and ref', async () => {
    const run = await world.run(
      { ...credentials, steps: 'scan,gate', 'fail-on': 'none', 'upload-sarif': 'true' },
      { env: { ...CRITICAL_REPORT, GITHUB_API_URL: api.url } }
    )
    expect(run.exitCode).toBe(0)
    expect(api.uploads).toHaveLength(1)
    const sent = JSON.parse(readFileSync(run.outputs['sarif-file'] as string, 'utf8'))
    expect(api.uploads[0]?.sarif).toEqual(sent)
    expect(api.uploads[0]?.body['ref']).toBe('refs/heads/main')
    expect(api.uploads[0]?.body['commit_sha']).toBe('0123456789abcdef0123456789abcdef01234567')
  })
})

describe('annotations and a very large report', () => {
  it('puts the verdict and the worst findings on the Dockerfile’s final FROM line', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'imgsec-ws-'))
    writeFileSync(
      join(workspace, 'Dockerfile'),
      'FROM golang:1.23 AS build\nRUN go build ./...\n\nFROM alpine:3.9\nCOPY --from=build /app /app\n'
    )
    const run = await world.run(
      { ...credentials, steps: 'scan,gate', 'fail-on': 'critical', dockerfile: 'Dockerfile' },
      { env: CRITICAL_REPORT, workspace }
    )
    expect(run.exitCode).toBe(1)
    const errors = errorLines(run)
    expect(errors).toHaveLength(1)
    const [properties, message] = (errors[0] ?? '').replace(/^::error /, '').split('::')
    expect(properties?.split(',').sort()).toEqual([
      'file=Dockerfile',
      'line=4',
      'title=Image gate failed (fail-on%3A critical)'
    ])
    expect(message).toMatch(/^Gate failed for /)
    const findingWarnings = warningLines(run).filter((line) => line.includes('CVE-'))
    expect(findingWarnings).toHaveLength(2)
    for (const line of findingWarnings)
      expect(line).toMatch(/^::warning [^:]*file=Dockerfile,line=4/)
  })

  it('keeps 30,000 findings within GitHub’s limits: summary, SARIF and annotations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imgsec-big-'))
    const big = join(dir, 'report.json')
    writeFileSync(big, JSON.stringify(generateReport(30_000, 3)))
    const run = await world.run(
      { ...credentials, steps: 'scan,gate', 'fail-on': 'low' },
      { env: { STANDIN_TRIVY_REPORT: big } }
    )
    expect(run.exitCode).toBe(1)
    expect(Buffer.byteLength(run.summary)).toBeLessThan(1024 * 1024)
    const sarifText = readFileSync(run.outputs['sarif-file'] as string)
    const sarif = JSON.parse(sarifText.toString('utf8'))
    expect(sarif.runs[0].results.length).toBeLessThanOrEqual(25_000)
    expect(gzipSync(sarifText).length).toBeLessThan(10_000_000)
    expect(run.summary).toMatch(/25000 most severe of 30000/)
    expect(errorLines(run).length).toBeLessThanOrEqual(10)
    expect(warningLines(run).length).toBeLessThanOrEqual(10)
    expect(warningLines(run).length).toBeGreaterThan(0)
  })
})
