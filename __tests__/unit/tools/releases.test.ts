// The release facts of releases.ts against pins.md: asset names per platform, the pins, the version
// rules the input boundary applies, and the platform mapping from Node's names.
import { describe, expect, it } from '@jest/globals'
import { findChecksum } from '../../../src/tools/checksums.js'
import {
  assetName,
  checksumsFileName,
  currentPlatform,
  normalizeVersion,
  PINS,
  PLATFORMS,
  platformLabel,
  releaseFileUrl,
  versionProblem
} from '../../../src/tools/releases.js'

describe('asset names', () => {
  it('name exactly the pinned assets of pins.md, one per platform', () => {
    for (const tool of ['trivy', 'cosign'] as const) {
      const names = PLATFORMS.map((p) => assetName(tool, PINS[tool].version, p))
      expect(names.sort()).toEqual(Object.keys(PINS[tool].sha256).sort())
    }
    expect(PLATFORMS.map((p) => `${platformLabel(p)} ${assetName('trivy', '0.74.0', p)}`)).toEqual([
      'linux/amd64 trivy_0.74.0_Linux-64bit.tar.gz',
      'linux/arm64 trivy_0.74.0_Linux-ARM64.tar.gz',
      'darwin/amd64 trivy_0.74.0_macOS-64bit.tar.gz',
      'darwin/arm64 trivy_0.74.0_macOS-ARM64.tar.gz',
      'windows/amd64 trivy_0.74.0_windows-64bit.zip'
    ])
    expect(assetName('cosign', '3.0.6', { os: 'windows', arch: 'amd64' })).toBe(
      'cosign-windows-amd64.exe'
    )
    expect(assetName('trivy', '0.74.0', { os: 'windows', arch: 'arm64' })).toBeUndefined()
  })

  it('pin SHA-256 values as 64 lower-case hex digits', () => {
    for (const tool of ['trivy', 'cosign'] as const) {
      for (const sha of Object.values(PINS[tool].sha256)) expect(sha).toMatch(/^[0-9a-f]{64}$/)
    }
    expect(PINS.trivy.sha256['trivy_0.74.0_Linux-64bit.tar.gz']).toBe(
      '2ae6fe3ee734b7fdf11335663e18c75ea12dccc76062f09f164a3b0f8be4371a'
    )
    expect(PINS.cosign.sha256['cosign-linux-amd64']).toBe(
      'c956e5dfcac53d52bcf058360d579472f0c1d2d9b69f55209e256fe7783f4c74'
    )
  })

  it('build GitHub release URLs and checksums-file names', () => {
    expect(
      releaseFileUrl(
        'https://ghe.example.com',
        'trivy',
        '0.74.0',
        checksumsFileName('trivy', '0.74.0')
      )
    ).toBe(
      'https://ghe.example.com/aquasecurity/trivy/releases/download/v0.74.0/trivy_0.74.0_checksums.txt'
    )
    expect(
      releaseFileUrl('https://github.com', 'cosign', '3.0.6', checksumsFileName('cosign', '3.0.6'))
    ).toBe('https://github.com/sigstore/cosign/releases/download/v3.0.6/cosign_checksums.txt')
  })
})

describe('versionProblem', () => {
  it.each([
    ['trivy', '0.74.0'],
    ['trivy', '0.56.0'],
    ['trivy', '0.69.3'],
    ['cosign', '3.0.6'],
    ['cosign', '2.2.0']
  ] as const)('accepts %s %s', (tool, version) => {
    expect(versionProblem(tool, version)).toBeUndefined()
  })

  it.each([
    ['trivy', 'latest', /'latest' is refused/],
    ['trivy', '0.69.4', /never installed: a malicious build .*GHSA-69fq-xp46-6x23.*Use 0\.74\.0/],
    ['trivy', '0.69.5', /never installed: suspect/],
    ['trivy', '0.69.6', /never installed: suspect/],
    ['trivy', '0.55.2', /older than 0\.56\.0/],
    ['cosign', '2.1.1', /older than 2\.2\.0/],
    ['cosign', 'v3.0.6', /not an exact cosign version/],
    ['trivy', '0.74', /not an exact trivy version/],
    ['trivy', '^0.74.0', /not an exact trivy version/]
  ] as const)('refuses %s %s', (tool, version, problem) => {
    expect(versionProblem(tool, version)).toMatch(problem)
  })

  it('is applied after normalising a leading v', () => {
    expect(normalizeVersion(' v0.74.0 ')).toBe('0.74.0')
    expect(normalizeVersion('0.74.0')).toBe('0.74.0')
  })
})

describe('currentPlatform', () => {
  it("maps Node's names to release names", () => {
    expect(currentPlatform('linux', 'x64')).toEqual({ os: 'linux', arch: 'amd64' })
    expect(currentPlatform('darwin', 'arm64')).toEqual({ os: 'darwin', arch: 'arm64' })
    expect(currentPlatform('win32', 'x64')).toEqual({ os: 'windows', arch: 'amd64' })
  })

  it('refuses platforms with no release', () => {
    expect(() => currentPlatform('linux', 'ia32')).toThrow(/no release for linux\/ia32/)
    expect(() => currentPlatform('freebsd', 'x64')).toThrow(/no release for freebsd\/x64/)
  })
})

describe('findChecksum', () => {
  const a = 'a'.repeat(64)
  const b = 'B'.repeat(64)
  const file = `${a}  trivy_0.73.1_Linux-64bit.tar.gz\n${b} *trivy_0.73.1_Linux-ARM64.tar.gz\r\n`

  it('finds the line of the asset, in text or binary mode', () => {
    expect(findChecksum(file, 'trivy_0.73.1_Linux-64bit.tar.gz')).toBe(a)
    expect(findChecksum(file, 'trivy_0.73.1_Linux-ARM64.tar.gz')).toBe('b'.repeat(64))
  })

  it('finds nothing for an asset that is not listed or only a prefix of one', () => {
    expect(findChecksum(file, 'trivy_0.73.1_macOS-64bit.tar.gz')).toBeUndefined()
    expect(findChecksum(file, 'trivy_0.73.1_Linux')).toBeUndefined()
  })

  it('refuses a file that lists the asset twice with different digests, and accepts the same one twice', () => {
    const twice = `${a}  trivy_0.73.1_Linux-64bit.tar.gz\n${b}  trivy_0.73.1_Linux-64bit.tar.gz\n`
    expect(() => findChecksum(twice, 'trivy_0.73.1_Linux-64bit.tar.gz')).toThrow(
      /lists trivy_0\.73\.1_Linux-64bit\.tar\.gz 2 times with different SHA-256 values/
    )
    const same = `${a}  trivy_0.73.1_Linux-64bit.tar.gz\n${a.toUpperCase()} *trivy_0.73.1_Linux-64bit.tar.gz\n`
    expect(findChecksum(same, 'trivy_0.73.1_Linux-64bit.tar.gz')).toBe(a)
  })
})
