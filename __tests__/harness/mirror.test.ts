// Self-test of the shared harness: the release assets look like GitHub's, the mirror serves them and
// injects its faults as documented, and the runner hands inputs, state and files over like a runner.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildRelease, sha256, standinScript } from './assets.js'
import { startMirror, type Mirror } from './mirror.js'
import {
  cleanupRuns,
  errorLines,
  parseCommandFile,
  readInputDefaults,
  runAction
} from './runner.js'

const TRIVY = '0.73.1'
const COSIGN = '3.0.5'
const work = mkdtempSync(join(tmpdir(), 'imgsec-harness-test-'))

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
  cleanupRuns()
})

function checksums(text: Buffer | undefined): Map<string, string> {
  const lines = (text ?? Buffer.alloc(0)).toString().trim().split('\n')
  return new Map(lines.map((line) => [line.slice(66), line.slice(0, 64)]))
}

function listTar(bytes: Buffer): string {
  const file = join(work, `${Math.random()}.tar.gz`)
  writeFileSync(file, bytes)
  return execFileSync('tar', ['-tvzf', file], { encoding: 'utf8' })
}

describe('release assets', () => {
  it('packs trivy for every platform of pins.md, with a checksums file that lists each asset', () => {
    const release = buildRelease('trivy', TRIVY)
    expect(release.assets.sort()).toEqual([
      `trivy_${TRIVY}_Linux-64bit.tar.gz`,
      `trivy_${TRIVY}_Linux-ARM64.tar.gz`,
      `trivy_${TRIVY}_macOS-64bit.tar.gz`,
      `trivy_${TRIVY}_macOS-ARM64.tar.gz`,
      `trivy_${TRIVY}_windows-64bit.zip`
    ])
    expect(release.checksumsFile).toBe(`trivy_${TRIVY}_checksums.txt`)
    const sums = checksums(release.files.get(release.checksumsFile))
    for (const asset of release.assets) {
      expect(sums.get(asset)).toBe(sha256(release.files.get(asset) as Buffer))
    }
    const listing = listTar(release.files.get(`trivy_${TRIVY}_Linux-ARM64.tar.gz`) as Buffer)
    expect(listing).toMatch(/^-rwxr-xr-x .* trivy$/m)
    expect(listing).toMatch(/ README\.md$/m)
    expect(listing).toMatch(/ LICENSE$/m)
    expect(listing).toMatch(/ contrib\/html\.tpl$/m)

    const zip = join(work, 'trivy.zip')
    writeFileSync(zip, release.files.get(`trivy_${TRIVY}_windows-64bit.zip`) as Buffer)
    expect(execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' })).toMatch(/^trivy\.exe$/m)
  })

  it('ships cosign as bare binaries: the stand-in script with its version filled in', () => {
    const release = buildRelease('cosign', COSIGN)
    expect(release.assets.sort()).toEqual([
      'cosign-darwin-amd64',
      'cosign-darwin-arm64',
      'cosign-linux-amd64',
      'cosign-linux-arm64',
      'cosign-windows-amd64.exe'
    ])
    const script = release.files.get('cosign-linux-amd64')?.toString() ?? ''
    expect(script).toBe(standinScript('cosign', COSIGN))
    expect(script).toContain(COSIGN)
    expect(script).not.toContain('0.0.0-standin')
    const sums = checksums(release.files.get('cosign_checksums.txt'))
    expect(sums.get('cosign-linux-amd64')).toBe(sha256(script))
  })

  it('builds tampered assets that no longer match the checksums file', () => {
    const asset = `trivy_${TRIVY}_Linux-64bit.tar.gz`
    const tampered = buildRelease('trivy', TRIVY, { tampered: [asset] })
    const sums = checksums(tampered.files.get(tampered.checksumsFile))
    expect(sha256(tampered.files.get(asset) as Buffer)).not.toBe(sums.get(asset))
    expect(sums).toEqual(checksums(buildRelease('trivy', TRIVY).files.get(tampered.checksumsFile)))
    expect(listTar(tampered.files.get(asset) as Buffer)).toMatch(/ trivy$/m)
  })
})

describe('release mirror', () => {
  let mirror: Mirror
  const cosignPath = `/sigstore/cosign/releases/download/v${COSIGN}/cosign-linux-amd64`
  const get = (path: string): Promise<Response> => fetch(`${mirror.baseUrl}${path}`)
  const expectedBytes = (): Buffer =>
    mirror.release('cosign', COSIGN).files.get('cosign-linux-amd64') as Buffer

  beforeAll(async () => {
    mirror = await startMirror({ trivy: [TRIVY], cosign: [COSIGN] })
  })
  afterAll(async () => {
    await mirror.stop()
  })

  it('serves assets in the GitHub release layout and counts every request', async () => {
    const before = mirror.requests.count
    const response = await get(cosignPath)
    expect(response.status).toBe(200)
    expect(Buffer.from(await response.arrayBuffer())).toEqual(expectedBytes())
    const sums = await get(
      `/aquasecurity/trivy/releases/download/v${TRIVY}/trivy_${TRIVY}_checksums.txt`
    )
    expect(await sums.text()).toContain(`trivy_${TRIVY}_Linux-64bit.tar.gz`)
    expect((await get('/sigstore/cosign/releases/download/v9.9.9/cosign-linux-amd64')).status).toBe(
      404
    )
    expect(mirror.requests.count - before).toBe(3)
    expect(mirror.requests.paths).toContain(cosignPath)
  })

  it('answers 503 for the first N requests, then serves again', async () => {
    mirror.setFault({ kind: 'status', times: 2, asset: 'cosign-linux-amd64' })
    expect((await get(cosignPath)).status).toBe(503)
    expect((await get(cosignPath)).status).toBe(503)
    expect((await get(cosignPath)).status).toBe(200)
    mirror.setFault()
  })

  it('resets the connection mid-body once, then serves the whole body', async () => {
    mirror.setFault({ kind: 'reset', asset: 'cosign-linux-amd64' })
    const broken = await get(cosignPath)
    await expect(broken.arrayBuffer()).rejects.toThrow()
    expect(Buffer.from(await (await get(cosignPath)).arrayBuffer())).toEqual(expectedBytes())
    mirror.setFault()
  })

  it('serves wrong bytes, replaced files and 404s for one asset until cleared', async () => {
    mirror.setFault(
      { kind: 'wrong-bytes', asset: 'cosign-linux-amd64' },
      { kind: 'not-found', asset: 'cosign-darwin-arm64' },
      { kind: 'replace', file: 'cosign_checksums.txt', body: 'nothing\n' }
    )
    const wrong = Buffer.from(await (await get(cosignPath)).arrayBuffer())
    expect(wrong.length).toBeGreaterThan(0)
    expect(sha256(wrong)).not.toBe(sha256(expectedBytes()))
    const base = `/sigstore/cosign/releases/download/v${COSIGN}`
    expect((await get(`${base}/cosign-darwin-arm64`)).status).toBe(404)
    expect(await (await get(`${base}/cosign_checksums.txt`)).text()).toBe('nothing\n')
    mirror.setFault()
    expect(Buffer.from(await (await get(cosignPath)).arrayBuffer())).toEqual(expectedBytes())
  })

  it('throttles bodies without changing them', async () => {
    mirror.setThrottle(64 * 1024)
    expect(Buffer.from(await (await get(cosignPath)).arrayBuffer())).toEqual(expectedBytes())
    mirror.setThrottle()
  })
})

describe('action runner', () => {
  it('parses output files in both the name=value and the heredoc form', () => {
    const text =
      'digest=sha256:abc\nreport<<ghadelimiter_1\nline 1\nline=2\nghadelimiter_1\nempty=\n'
    expect(parseCommandFile(text)).toEqual({
      digest: 'sha256:abc',
      report: 'line 1\nline=2',
      empty: ''
    })
  })

  it('reads the input defaults of action.yml', () => {
    const yaml = [
      'name: x',
      'inputs:',
      '  image:',
      '    description: the image',
      '    required: true',
      '  fail-on:',
      "    default: 'high'",
      '  steps:',
      '    description: |',
      '      default: not this',
      '    default: |-',
      '      scan',
      '      gate',
      '  github-token:',
      '    default: ${{ github.token }}',
      'outputs:',
      '  digest:',
      '    default: nope'
    ].join('\n')
    expect(readInputDefaults(yaml)).toEqual({
      'fail-on': 'high',
      steps: 'scan\ngate',
      'github-token': '${{ github.token }}'
    })
  })

  it('runs main then post like a runner: inputs, clean environment, outputs, summary and state', async () => {
    const main = join(work, 'main.mjs')
    const post = join(work, 'post.mjs')
    writeFileSync(
      main,
      [
        "import { appendFileSync } from 'node:fs'",
        'const e = process.env',
        "appendFileSync(e.GITHUB_OUTPUT, `fail-on=${e['INPUT_FAIL-ON']}\\nleak=${e.GITHUB_TOKEN ?? 'none'}\\n`)",
        "appendFileSync(e.GITHUB_OUTPUT, 'multi<<EOF_1\\na\\nb\\nEOF_1\\n')",
        "appendFileSync(e.GITHUB_STATE, 'tmp=/x/y\\n')",
        "appendFileSync(e.GITHUB_STEP_SUMMARY, '# hello\\n')",
        "console.log('::error::bad thing')",
        'process.exitCode = 1'
      ].join('\n')
    )
    writeFileSync(
      post,
      'console.log(`state=${process.env.STATE_tmp} temp=${!!process.env.RUNNER_TEMP}`)'
    )
    process.env['GITHUB_TOKEN'] = 'developer-token' // must not reach the action
    const run = await runAction({ inputs: { 'fail-on': 'critical' }, scripts: { main, post } })
    delete process.env['GITHUB_TOKEN']
    expect(run.exitCode).toBe(1)
    expect(run.outputs).toEqual({ 'fail-on': 'critical', leak: 'none', multi: 'a\nb' })
    expect(run.summary).toBe('# hello\n')
    expect(errorLines(run)).toEqual(['::error::bad thing'])
    expect(run.post.stdout.trim()).toBe('state=/x/y temp=true')
  })
})
