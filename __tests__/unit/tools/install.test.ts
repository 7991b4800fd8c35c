// install.ts against the release mirror: what is verified against what, what reaches the tool cache
// (nothing unverified), retries, messages, and the cache short-cut. @actions/tool-cache reads
// RUNNER_TOOL_CACHE / RUNNER_TEMP on every call (not at import), so each test sets fresh ones.
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  jest
} from '@jest/globals'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildRelease, sha256 } from '../../harness/assets.js'
import { startTestSigstore } from '../../harness/sigstore.js'
import { startMirror, type Mirror } from '../../harness/mirror.js'
import {
  installTool,
  installTools,
  type InstallOptions,
  type RetryPolicy
} from '../../../src/tools/install.js'
import { PINS, releaseFileUrl, releaseSigner, type Platform } from '../../../src/tools/releases.js'

const TRIVY = '0.73.1'
const COSIGN = '3.0.5'
const linux: Platform = { os: 'linux', arch: 'amd64' }
const TRIVY_ASSET = `trivy_${TRIVY}_Linux-64bit.tar.gz`
const noWait: RetryPolicy = { attempts: 3, backoffMs: 0 }
let options: InstallOptions

let mirror: Mirror
let dirs: { toolCache: string; temp: string }
let stdout: string[]

beforeAll(async () => {
  mirror = await startMirror({ trivy: [TRIVY, PINS.trivy.version], cosign: [COSIGN] })
  // The mirror's own Sigstore: bundles verify under it, and nothing asks the public TUF repository.
  const trustedRootPath = join(mkdtempSync(join(tmpdir(), 'imgsec-root-')), 'trusted_root.json')
  writeFileSync(trustedRootPath, mirror.trustedRoot)
  options = { platform: linux, retry: noWait, trust: { trustedRootPath } }
})
afterAll(async () => {
  await mirror.stop()
})

beforeEach(() => {
  const root = mkdtempSync(join(tmpdir(), 'imgsec-install-test-'))
  dirs = { toolCache: join(root, 'tool-cache'), temp: join(root, 'temp') }
  process.env['RUNNER_TOOL_CACHE'] = dirs.toolCache
  process.env['RUNNER_TEMP'] = dirs.temp
  stdout = []
  // @actions/core writes warnings as `::warning::` lines on stdout; capture them and keep the log quiet.
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(chunk.toString())
    return true
  })
  mirror.setFault()
})
afterEach(() => {
  jest.restoreAllMocks()
  rmSync(join(dirs.toolCache, '..'), { recursive: true, force: true })
})

const warnings = (): string[] =>
  stdout
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('::warning'))
const cached = (tool: string): string[] =>
  existsSync(join(dirs.toolCache, tool)) ? readdirSync(join(dirs.toolCache, tool)) : []
const leftInTemp = (): string[] => (existsSync(dirs.temp) ? readdirSync(dirs.temp) : [])
/** Where a tool runs from: a folder of this job under RUNNER_TEMP, never the shared tool cache. */
const privateTool = (tool: string): RegExp =>
  new RegExp(`^${dirs.temp}/imgsec-${tool}-[^/]+/tool/${tool}$`)
const trivyFile = (version: string, asset: string): Buffer =>
  mirror.release('trivy', version).files.get(asset) as Buffer

describe('verification', () => {
  it('refuses the pinned version when the bytes differ from the pin, and caches nothing', async () => {
    const asset = `trivy_${PINS.trivy.version}_Linux-64bit.tar.gz`
    const url = releaseFileUrl(mirror.baseUrl, 'trivy', PINS.trivy.version, asset)
    const error = await installTool(
      'trivy',
      { version: PINS.trivy.version },
      mirror.baseUrl,
      options
    ).then(
      () => undefined,
      (e: Error) => e
    )
    expect(error?.message).toContain(PINS.trivy.sha256[asset])
    expect(error?.message).toContain(sha256(trivyFile(PINS.trivy.version, asset)))
    expect(error?.message).toContain(asset)
    expect(error?.message).toContain(url)
    expect(cached('trivy')).toEqual([])
    expect(leftInTemp()).toEqual([])
    // The pin is the only trust anchor for the pinned version: its checksums file is never consulted.
    expect(mirror.requests.paths).not.toContain(
      `/aquasecurity/trivy/releases/download/v${PINS.trivy.version}/trivy_${PINS.trivy.version}_checksums.txt`
    )
  })

  it('installs a non-pinned version verified by its Sigstore bundle and checksums file, with a warning', async () => {
    const installed = await installTool('trivy', { version: TRIVY }, mirror.baseUrl, options)
    expect(installed).toMatchObject({
      tool: 'trivy',
      version: TRIVY,
      pinned: false,
      fromCache: false
    })
    // The tool runs from this job's private folder; the tool cache keeps the verified asset.
    expect(installed.path).toMatch(privateTool('trivy'))
    expect(readFileSync(join(dirs.toolCache, 'trivy', TRIVY, 'x64', TRIVY_ASSET))).toEqual(
      trivyFile(TRIVY, TRIVY_ASSET)
    )
    expect(statSync(installed.path).mode & 0o111).not.toBe(0)
    expect(readFileSync(installed.path, 'utf8')).toContain(TRIVY)
    expect(existsSync(join(installed.path, '..', 'contrib', 'html.tpl'))).toBe(true)
    const checksumsUrl = releaseFileUrl(
      mirror.baseUrl,
      'trivy',
      TRIVY,
      `trivy_${TRIVY}_checksums.txt`
    )
    expect(mirror.requests.paths).toContain(new URL(checksumsUrl).pathname)
    expect(warnings()).toEqual([
      `::warning::trivy ${TRIVY} is not pinned by this action; it is verified only against the Sigstore signature of ${releaseSigner('trivy', TRIVY).identity} (the trusted root ${options.trust?.trustedRootPath}) and the release's checksums file`
    ])
    expect(leftInTemp()).toEqual([installed.path.split('/').at(-3)])
  })

  it('verifies against the user-supplied SHA-256 instead of the checksums file', async () => {
    const sha = sha256(mirror.release('cosign', COSIGN).files.get('cosign-linux-amd64') as Buffer)
    const before = mirror.requests.paths.length
    const installed = await installTool(
      'cosign',
      { version: COSIGN, sha256: sha.toUpperCase() },
      mirror.baseUrl,
      options
    )
    expect(installed.path).toMatch(privateTool('cosign'))
    expect(statSync(installed.path).mode & 0o755).toBe(0o755)
    expect(mirror.requests.paths.slice(before)).toEqual([
      `/sigstore/cosign/releases/download/v${COSIGN}/cosign-linux-amd64`
    ])
    expect(warnings()[0]).toContain('verified only against the cosign-sha256 input')
  })

  it('refuses a download that does not match the user-supplied SHA-256', async () => {
    const wrong = 'a'.repeat(64)
    await expect(
      installTool('cosign', { version: COSIGN, sha256: wrong }, mirror.baseUrl, options)
    ).rejects.toThrow(
      new RegExp(`expected ${wrong} \\(the cosign-sha256 input\\), got [0-9a-f]{64}`)
    )
    expect(cached('cosign')).toEqual([])
  })

  it('refuses a user SHA-256 for the pinned version that differs from the pin, before downloading', async () => {
    const before = mirror.requests.count
    await expect(
      installTool(
        'cosign',
        { version: PINS.cosign.version, sha256: 'b'.repeat(64) },
        mirror.baseUrl,
        options
      )
    ).rejects.toThrow(/^Input 'cosign-sha256': b{64} differs from the SHA-256 this action pins/)
    expect(mirror.requests.count).toBe(before)
  })

  it('refuses a tampered asset whose checksums file was left alone', async () => {
    mirror.setFault({ kind: 'wrong-bytes', asset: TRIVY_ASSET })
    const listed = sha256(trivyFile(TRIVY, TRIVY_ASSET))
    await expect(installTool('trivy', { version: TRIVY }, mirror.baseUrl, options)).rejects.toThrow(
      new RegExp(
        `SHA-256 mismatch for ${TRIVY_ASSET} .*expected ${listed} .*got (?!${listed})[0-9a-f]{64}`
      )
    )
    expect(cached('trivy')).toEqual([])
    expect(warnings()).toEqual([])
  })

  it('refuses when the checksums file does not list the asset', async () => {
    const others = `${'c'.repeat(64)}  trivy_${TRIVY}_macOS-64bit.tar.gz\n`
    mirror.setFault({ kind: 'replace', file: `trivy_${TRIVY}_checksums.txt`, body: others })
    await expect(installTool('trivy', { version: TRIVY }, mirror.baseUrl, options)).rejects.toThrow(
      `does not list ${TRIVY_ASSET}: refusing to install an unverified trivy ${TRIVY}`
    )
    expect(cached('trivy')).toEqual([])
  })
})

describe('downloads', () => {
  it('retries two 503 answers and then installs', async () => {
    mirror.setFault({ kind: 'status', times: 2, asset: TRIVY_ASSET })
    const installed = await installTool('trivy', { version: TRIVY }, mirror.baseUrl, options)
    expect(existsSync(installed.path)).toBe(true)
    const assetPath = `/aquasecurity/trivy/releases/download/v${TRIVY}/${TRIVY_ASSET}`
    expect(mirror.requests.paths.filter((p) => p === assetPath).length).toBeGreaterThanOrEqual(3)
  })

  it('retries a connection reset in the middle of the body', async () => {
    mirror.setFault({ kind: 'reset', asset: 'cosign-linux-amd64' })
    const installed = await installTool('cosign', { version: COSIGN }, mirror.baseUrl, options)
    expect(readFileSync(installed.path)).toEqual(
      mirror.release('cosign', COSIGN).files.get('cosign-linux-amd64')
    )
    expect(stdout.join('')).toMatch(/Download of \S+cosign-linux-amd64 failed \(.+\); retrying/)
  })

  it('gives up after the bounded number of attempts', async () => {
    mirror.setFault({ kind: 'status', times: 5, asset: TRIVY_ASSET })
    await expect(
      installTool('trivy', { version: TRIVY }, mirror.baseUrl, {
        ...options,
        retry: { attempts: 2, backoffMs: 0 }
      })
    ).rejects.toThrow(/Could not download .* \(attempt 2\): HTTP 503/)
    expect(cached('trivy')).toEqual([])
  })

  it('names the platform and the URL when the release has no such asset', async () => {
    mirror.setFault({ kind: 'not-found', asset: `trivy_${TRIVY}_Linux-ARM64.tar.gz` })
    const url = releaseFileUrl(mirror.baseUrl, 'trivy', TRIVY, `trivy_${TRIVY}_Linux-ARM64.tar.gz`)
    await expect(
      installTool('trivy', { version: TRIVY }, mirror.baseUrl, {
        ...options,
        platform: { os: 'linux', arch: 'arm64' }
      })
    ).rejects.toThrow(`trivy ${TRIVY} has no release asset for linux/arm64 (404 from ${url})`)
  })

  it('knows without asking that trivy publishes nothing for Windows on arm64', async () => {
    const before = mirror.requests.count
    await expect(
      installTool('trivy', { version: TRIVY }, mirror.baseUrl, {
        ...options,
        platform: { os: 'windows', arch: 'arm64' }
      })
    ).rejects.toThrow(`trivy ${TRIVY} has no release asset for windows/arm64`)
    expect(mirror.requests.count).toBe(before)
  })
})

describe('tool cache', () => {
  it('uses the cached tool on the second install without any request', async () => {
    const first = await installTool('trivy', { version: TRIVY }, mirror.baseUrl, options)
    const before = mirror.requests.count
    const second = await installTool('trivy', { version: TRIVY }, mirror.baseUrl, options)
    expect(mirror.requests.count).toBe(before)
    expect({ ...second, path: '' }).toEqual({ ...first, path: '', fromCache: true })
    expect(second.path).toMatch(privateTool('trivy'))
  })

  it('downloads both tools at the same time', async () => {
    mirror.setThrottle(256 * 1024)
    try {
      const { trivy, cosign } = await installTools(
        { trivy: { version: TRIVY }, cosign: { version: COSIGN } },
        mirror.baseUrl,
        options
      )
      expect(trivy?.path).toMatch(privateTool('trivy'))
      expect(cosign?.path).toMatch(privateTool('cosign'))
      expect(mirror.requests.maxConcurrent).toBeGreaterThanOrEqual(2)
    } finally {
      mirror.setThrottle()
    }
  })

  it('installs only the tools asked for', async () => {
    const result = await installTools({ cosign: { version: COSIGN } }, mirror.baseUrl, options)
    expect(result.trivy).toBeUndefined()
    expect(cached('trivy')).toEqual([])
    expect(result.cosign?.fromCache).toBe(false)
  })

  it('reports the failure of one tool after the other has finished', async () => {
    mirror.setFault({ kind: 'wrong-bytes', asset: 'cosign-linux-amd64' })
    await expect(
      installTools(
        { trivy: { version: TRIVY }, cosign: { version: COSIGN } },
        mirror.baseUrl,
        options
      )
    ).rejects.toThrow('SHA-256 mismatch for cosign-linux-amd64')
    expect(cached('cosign')).toEqual([])
    expect(existsSync(join(dirs.toolCache, 'trivy', TRIVY, 'x64.complete'))).toBe(true)
  })
})

/** Writes files into the tool cache entry of tool/version/x64, with its `.complete` marker. */
function plant(tool: string, version: string, files: Record<string, Buffer | string>): string {
  const dir = join(dirs.toolCache, tool, version, 'x64')
  mkdirSync(dir, { recursive: true })
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body)
  writeFileSync(`${dir}.complete`, '')
  return dir
}

const COSIGN_ASSET = 'cosign-linux-amd64'
const genuineCosign = (): Buffer =>
  mirror.release('cosign', COSIGN).files.get(COSIGN_ASSET) as Buffer
const tamperedCosign = (): Buffer =>
  buildRelease('cosign', COSIGN, { tampered: true }).files.get(COSIGN_ASSET) as Buffer

describe('a tool cache shared with other jobs', () => {
  it('verifies a cached asset again: a tampered one is reported, never run, and installed again', async () => {
    await installTool('cosign', { version: COSIGN }, mirror.baseUrl, options)
    const cachedAsset = join(dirs.toolCache, 'cosign', COSIGN, 'x64', COSIGN_ASSET)
    writeFileSync(cachedAsset, tamperedCosign())
    const before = mirror.requests.count
    const again = await installTool('cosign', { version: COSIGN }, mirror.baseUrl, options)
    expect(again.fromCache).toBe(false)
    expect(readFileSync(again.path)).toEqual(genuineCosign())
    expect(readFileSync(cachedAsset)).toEqual(genuineCosign())
    expect(mirror.requests.count).toBeGreaterThan(before)
    expect(warnings().join('\n')).toMatch(
      new RegExp(`cosign ${COSIGN} in the tool cache failed verification \\(.*Sigstore bundle`)
    )
  })

  it('checks a cache hit against a correct cosign-sha256, and re-installs on a mismatch', async () => {
    plant('cosign', COSIGN, { [COSIGN_ASSET]: tamperedCosign() })
    const installed = await installTool(
      'cosign',
      { version: COSIGN, sha256: sha256(genuineCosign()) },
      mirror.baseUrl,
      options
    )
    expect(installed.fromCache).toBe(false)
    expect(readFileSync(installed.path)).toEqual(genuineCosign())
    expect(warnings().join('\n')).toMatch(
      `SHA-256 mismatch for ${COSIGN_ASSET} (the tool cache): expected ${sha256(genuineCosign())} (the cosign-sha256 input), got ${sha256(tamperedCosign())}`
    )
  })

  it('uses a cached asset that passes, from a private copy, without a request', async () => {
    plant('cosign', COSIGN, { [COSIGN_ASSET]: genuineCosign() })
    const before = mirror.requests.count
    const installed = await installTool(
      'cosign',
      { version: COSIGN, sha256: sha256(genuineCosign()) },
      mirror.baseUrl,
      options
    )
    expect(mirror.requests.count).toBe(before)
    expect(installed).toMatchObject({ fromCache: true })
    expect(installed.path).toMatch(privateTool('cosign'))
  })

  it('never runs an unpacked binary planted in the cache of the pinned version', async () => {
    const planted = plant('trivy', PINS.trivy.version, { trivy: '#!/bin/sh\necho planted\n' })
    // The mirror serves stand-in bytes under the pinned name: only the embedded pin can decide.
    const error = await installTool(
      'trivy',
      { version: PINS.trivy.version },
      mirror.baseUrl,
      options
    ).then(
      (installed) => new Error(`installed ${installed.path}`),
      (e: Error) => e
    )
    expect(error.message).toContain(
      `expected ${PINS.trivy.sha256[`trivy_${PINS.trivy.version}_Linux-64bit.tar.gz`]}`
    )
    expect(error.message).not.toContain(planted)
  })
})

describe('Sigstore bundles of unpinned versions', () => {
  const bundleOf = (asset: string): string => `${asset}.sigstore.json`

  it('refuses an asset whose checksums file was rewritten to match it (a compromised mirror)', async () => {
    const tampered = buildRelease('trivy', TRIVY, { tampered: true }).files.get(
      TRIVY_ASSET
    ) as Buffer
    mirror.setFault(
      { kind: 'wrong-bytes', asset: TRIVY_ASSET },
      {
        kind: 'replace',
        file: `trivy_${TRIVY}_checksums.txt`,
        body: `${sha256(tampered)}  ${TRIVY_ASSET}\n`
      }
    )
    await expect(installTool('trivy', { version: TRIVY }, mirror.baseUrl, options)).rejects.toThrow(
      `The Sigstore bundle ${bundleOf(TRIVY_ASSET)} does not verify ${TRIVY_ASSET}`
    )
    expect(cached('trivy')).toEqual([])
    expect(leftInTemp()).toEqual([])
  })

  it("refuses a valid bundle by another identity (another version's release workflow)", async () => {
    const other = releaseSigner('trivy', '0.73.0')
    const body = await mirror.sign(trivyFile(TRIVY, TRIVY_ASSET), other)
    mirror.setFault({ kind: 'replace', file: bundleOf(TRIVY_ASSET), body })
    await expect(installTool('trivy', { version: TRIVY }, mirror.baseUrl, options)).rejects.toThrow(
      `expected a signature by ${releaseSigner('trivy', TRIVY).identity}`
    )
    expect(cached('trivy')).toEqual([])
  })

  it('refuses a bundle for the right identity from a Sigstore the trusted root does not name', async () => {
    const stranger = await startTestSigstore()
    const body = await stranger.sign(genuineCosign(), releaseSigner('cosign', COSIGN))
    mirror.setFault({ kind: 'replace', file: bundleOf(COSIGN_ASSET), body })
    await expect(
      installTool('cosign', { version: COSIGN }, mirror.baseUrl, options)
    ).rejects.toThrow(`The Sigstore bundle ${bundleOf(COSIGN_ASSET)} does not verify`)
    expect(cached('cosign')).toEqual([])
  })

  it('needs the bundle: without one it names the sha256 input', async () => {
    mirror.setFault({ kind: 'not-found', asset: bundleOf(COSIGN_ASSET) })
    await expect(
      installTool('cosign', { version: COSIGN }, mirror.baseUrl, options)
    ).rejects.toThrow(
      `cosign ${COSIGN} publishes no Sigstore bundle for ${COSIGN_ASSET}; give cosign-sha256`
    )
  })

  it('refuses a version too old to have bundles unless a sha256 is given, before any request', async () => {
    const before = mirror.requests.count
    await expect(
      installTool('cosign', { version: '2.6.1' }, mirror.baseUrl, options)
    ).rejects.toThrow(/^Input 'cosign-sha256': is needed for cosign 2\.6\.1/)
    expect(mirror.requests.count).toBe(before)
  })

  it('refuses a checksums file that lists the asset twice with different digests', async () => {
    const genuine = sha256(trivyFile(TRIVY, TRIVY_ASSET))
    const body = `${genuine}  ${TRIVY_ASSET}\n${'e'.repeat(64)}  ${TRIVY_ASSET}\n`
    mirror.setFault({ kind: 'replace', file: `trivy_${TRIVY}_checksums.txt`, body })
    await expect(installTool('trivy', { version: TRIVY }, mirror.baseUrl, options)).rejects.toThrow(
      `lists ${TRIVY_ASSET} 2 times with different SHA-256 values`
    )
    expect(cached('trivy')).toEqual([])
  })
})
