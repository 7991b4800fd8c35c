// The foundation as a runner runs it: the bundled action under Node 24, tools from a release mirror
// on loopback, a real registry. What a user would notice: an unverified binary never runs and never
// reaches the tool cache; a flaky mirror is retried; a warm tool cache means no download; only the
// tools the steps need are fetched; a bad input fails fast, on one line, before any download.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256 } from '../harness/assets.js'
import { startMirror, type Mirror } from '../harness/mirror.js'
import { STANDIN_DIR } from '../harness/paths.js'
import { cleanupRuns, errorLines } from '../harness/runner.js'
import { startWorld, TRIVY_VERSION, type World } from '../harness/world.js'
import { assetName, currentPlatform, PINS } from '../../src/tools/releases.js'

const PINNED_TRIVY = PINS.trivy.version
const PINNED_COSIGN = PINS.cosign.version
const LINUX_TRIVY = (version: string): string => `trivy_${version}_Linux-64bit.tar.gz`

let world: World
beforeAll(async () => {
  world = await startWorld()
})
afterAll(async () => {
  await world.stop()
  cleanupRuns()
})

function toolCacheEntries(toolCache: string, tool: string): string[] {
  const dir = join(toolCache, tool)
  return existsSync(dir) ? readdirSync(dir) : []
}

describe('installing the pinned version', () => {
  let mirror: Mirror
  beforeAll(async () => {
    // The mirror serves stand-in bytes under the pinned version's name: to the action these are
    // tampered assets, because they do not match the SHA-256 embedded in its code.
    mirror = await startMirror({ trivy: [PINNED_TRIVY] })
  })
  afterAll(() => mirror.stop())

  it('refuses an asset that does not match the embedded SHA-256 and caches nothing', async () => {
    const run = await world.run({
      steps: 'scan,gate',
      'trivy-version': PINNED_TRIVY,
      'download-base-url': mirror.baseUrl
    })
    expect(run.exitCode).not.toBe(0)
    const asset = LINUX_TRIVY(PINNED_TRIVY)
    const served = mirror.release('trivy', PINNED_TRIVY).files.get(asset) as Buffer
    const message = errorLines(run).join('\n')
    expect(message).toContain(PINS.trivy.sha256[asset] as string)
    expect(message).toContain(sha256(served))
    expect(toolCacheEntries(run.toolCache, 'trivy')).toEqual([])
    expect(world.calls(run)).toEqual([])
    expect(run.outputs['gate']).toBe('error')
  })
})

describe('installing the pinned cosign', () => {
  let mirror: Mirror
  let publicKey: string
  beforeAll(async () => {
    // Stand-in bytes under the pinned cosign's name: tampered, to the action's embedded SHA-256.
    mirror = await startMirror({ cosign: [PINNED_COSIGN] })
    const keys = mkdtempSync(join(tmpdir(), 'imgsec-keys-'))
    execFileSync(process.execPath, [join(STANDIN_DIR, 'cosign.mjs'), 'generate-key-pair'], {
      cwd: keys,
      env: { ...process.env, COSIGN_PASSWORD: '', IMGSEC_STANDIN_LOG: '' }
    })
    publicKey = readFileSync(join(keys, 'cosign.pub'), 'utf8')
  })
  afterAll(() => mirror.stop())

  it('refuses a binary that does not match the embedded SHA-256, runs nothing, caches nothing', async () => {
    const run = await world.run({
      steps: 'verify',
      'cosign-public-key': publicKey,
      'cosign-version': PINNED_COSIGN,
      'download-base-url': mirror.baseUrl
    })
    expect(run.exitCode).not.toBe(0)
    const asset = assetName('cosign', PINNED_COSIGN, currentPlatform()) as string
    const served = mirror.release('cosign', PINNED_COSIGN).files.get(asset) as Buffer
    const message = errorLines(run).join('\n')
    expect(message).toContain(PINS.cosign.sha256[asset] as string)
    expect(message).toContain(sha256(served))
    expect(toolCacheEntries(run.toolCache, 'cosign')).toEqual([])
    expect(world.calls(run)).toEqual([])
    expect(run.outputs['verified']).toBe('false')
  })
})

describe('installing a version verified by its checksums file', () => {
  it('refuses a tampered asset, names both digests, and leaves the tool cache empty', async () => {
    world.mirror.setFault({ kind: 'wrong-bytes', asset: LINUX_TRIVY(TRIVY_VERSION) })
    try {
      const run = await world.run({ steps: 'scan,gate' })
      expect(run.exitCode).not.toBe(0)
      const release = world.mirror.release('trivy', TRIVY_VERSION)
      const genuine = release.files.get(LINUX_TRIVY(TRIVY_VERSION)) as Buffer
      const message = errorLines(run).join('\n')
      expect(message).toContain(sha256(genuine))
      expect(message).toMatch(/[0-9a-f]{64}[\s\S]*[0-9a-f]{64}/)
      expect(toolCacheEntries(run.toolCache, 'trivy')).toEqual([])
      expect(world.calls(run)).toEqual([])
    } finally {
      world.mirror.setFault()
    }
  })

  it('gets through a flaky mirror (two 503 answers) and says the version is not pinned', async () => {
    world.mirror.setFault({ kind: 'status', times: 2, status: 503 })
    try {
      const run = await world.run({ steps: 'scan,gate', 'fail-on': 'none' })
      expect(run.exitCode).toBe(0)
      expect(run.outputs['trivy-version']).toBe(TRIVY_VERSION)
      expect(run.stdout).toMatch(/::warning::.*not pinned/)
      expect(toolCacheEntries(run.toolCache, 'trivy')).toEqual([TRIVY_VERSION])
    } finally {
      world.mirror.setFault()
    }
  })

  it('makes no request to the mirror when the tool cache already holds the tool', async () => {
    const toolCache = mkdtempSync(join(tmpdir(), 'imgsec-toolcache-'))
    const first = await world.run({ steps: 'scan,gate', 'fail-on': 'none' }, { toolCache })
    expect(first.exitCode).toBe(0)
    const before = world.mirror.requests.count
    const second = await world.run({ steps: 'scan,gate', 'fail-on': 'none' }, { toolCache })
    expect(second.exitCode).toBe(0)
    expect(world.mirror.requests.count).toBe(before)
    expect(world.scans(second)).toHaveLength(1)
  })

  it('never downloads cosign when the steps are scan and gate', async () => {
    const before = world.mirror.requests.paths.length
    const run = await world.run({ steps: 'scan,gate', 'fail-on': 'none' })
    expect(run.exitCode).toBe(0)
    const paths = world.mirror.requests.paths.slice(before)
    expect(paths.some((path) => path.includes('/aquasecurity/trivy/'))).toBe(true)
    expect(paths.filter((path) => path.includes('/sigstore/cosign/'))).toEqual([])
    expect(toolCacheEntries(run.toolCache, 'cosign')).toEqual([])
  })
})

describe('bad inputs, as a runner passes them', () => {
  const cases: Array<[string, Record<string, string>]> = [
    ['image', { image: 'alpine;rm -rf /' }],
    ['fail-on', { 'fail-on': 'severe' }],
    ['steps', { steps: 'scan,deploy' }],
    ['trivy-version', { 'trivy-version': '0.69.4' }],
    ['download-base-url', { 'download-base-url': 'file:///etc' }],
    ['trivy-sha256', { 'trivy-version': '0.68.0' }],
    ['sigstore-trusted-root', { 'sigstore-trusted-root': '/etc/hostname' }],
    ['sarif-file', { 'sarif-file': '../outside.sarif' }]
  ]
  it.each(cases)(
    '%s: one error line naming the input, nothing downloaded',
    async (input, values) => {
      const before = world.mirror.requests.count
      const run = await world.run(values)
      expect(run.exitCode).toBe(1)
      const errors = errorLines(run)
      expect(errors).toHaveLength(1)
      expect(errors[0]).toContain(`Input '${input}'`)
      expect(errors[0]).not.toMatch(/%0A|\n/)
      expect(`${run.stdout}${run.stderr}`).not.toMatch(/\s+at \S+ \(/)
      expect(world.mirror.requests.count).toBe(before)
    }
  )
})
