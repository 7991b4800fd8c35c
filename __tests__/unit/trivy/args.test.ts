// The argv and environment of the one `trivy image` call, for every input that shapes them.
import { describe, expect, it } from '@jest/globals'
import { buildScanArgs, scanEnv, scanLabel, type ScanOptions } from '../../../src/trivy/scan.js'

const PINNED = `ghcr.io/org/app@sha256:${'ab'.repeat(32)}`

function options(overrides: Partial<ScanOptions> = {}): ScanOptions {
  return {
    target: PINNED,
    source: { kind: 'registry' },
    reportFile: '/tmp/r/report.json',
    scanners: ['vuln'],
    ignoreUnfixed: false,
    vex: [],
    dbRepositories: [],
    cacheDir: '/tmp/cache',
    ...overrides
  }
}

const BASE = [
  'image',
  '--format',
  'json',
  '--output',
  '/tmp/r/report.json',
  '--list-all-pkgs=false',
  '--severity',
  'UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL'
]

describe('buildScanArgs', () => {
  it.each<[string, Partial<ScanOptions>, string[]]>([
    [
      'defaults: registry image by digest, remote only',
      {},
      [...BASE, '--scanners', 'vuln', '--image-src', 'remote', '--cache-dir', '/tmp/cache', PINNED]
    ],
    [
      'several scanners',
      { scanners: ['vuln', 'secret', 'misconfig', 'license'] },
      [
        ...BASE,
        '--scanners',
        'vuln,secret,misconfig,license',
        '--image-src',
        'remote',
        '--cache-dir',
        '/tmp/cache',
        PINNED
      ]
    ],
    [
      'every filter and the platform',
      {
        ignoreUnfixed: true,
        ignoreFile: '/ws/.trivyignore.yaml',
        vex: ['/ws/a.vex.json', '/ws/b.openvex.json'],
        platform: 'linux/arm64'
      },
      [
        ...BASE,
        '--scanners',
        'vuln',
        '--ignore-unfixed',
        '--ignorefile',
        '/ws/.trivyignore.yaml',
        '--vex',
        '/ws/a.vex.json',
        '--vex',
        '/ws/b.openvex.json',
        '--platform',
        'linux/arm64',
        '--image-src',
        'remote',
        '--cache-dir',
        '/tmp/cache',
        PINNED
      ]
    ],
    [
      'DB repositories in the order given',
      { dbRepositories: ['registry.example.com/trivy-db:2', 'ghcr.io/aquasecurity/trivy-db:2'] },
      [
        ...BASE,
        '--scanners',
        'vuln',
        '--image-src',
        'remote',
        '--db-repository',
        'registry.example.com/trivy-db:2',
        '--db-repository',
        'ghcr.io/aquasecurity/trivy-db:2',
        '--cache-dir',
        '/tmp/cache',
        PINNED
      ]
    ],
    [
      'docker daemon source',
      { source: { kind: 'docker' }, target: 'app:dev' },
      [
        ...BASE,
        '--scanners',
        'vuln',
        '--image-src',
        'docker',
        '--cache-dir',
        '/tmp/cache',
        'app:dev'
      ]
    ],
    [
      'podman source',
      { source: { kind: 'podman' }, target: 'localhost/app:dev' },
      [
        ...BASE,
        '--scanners',
        'vuln',
        '--image-src',
        'podman',
        '--cache-dir',
        '/tmp/cache',
        'localhost/app:dev'
      ]
    ],
    [
      'tarball source: --input and no target',
      { source: { kind: 'tarball', path: '/ws/image.tar' } },
      [...BASE, '--scanners', 'vuln', '--input', '/ws/image.tar', '--cache-dir', '/tmp/cache']
    ],
    [
      'a VEX path with a comma is quoted so trivy does not split it',
      { vex: ['/ws/a,b.json', '/ws/say "x".json'] },
      [
        ...BASE,
        '--scanners',
        'vuln',
        '--vex',
        '"/ws/a,b.json"',
        '--vex',
        '"/ws/say ""x"".json"',
        '--image-src',
        'remote',
        '--cache-dir',
        '/tmp/cache',
        PINNED
      ]
    ]
  ])('%s', (_name, overrides, expected) => {
    expect(buildScanArgs(options(overrides))).toEqual(expected)
  })

  it('never filters by severity nor sets an exit code (the gate reads the JSON)', () => {
    const args = buildScanArgs(options({ ignoreUnfixed: true, platform: 'linux/amd64' }))
    // Every severity is listed, so that nothing but argv decides which ones trivy reports.
    const severity = args.indexOf('--severity')
    expect(args[severity + 1]?.split(',').sort()).toEqual([
      'CRITICAL',
      'HIGH',
      'LOW',
      'MEDIUM',
      'UNKNOWN'
    ])
    expect(args.some((a) => a.startsWith('--exit-code'))).toBe(false)
  })

  it('keeps registry credentials out of argv', () => {
    const credentials = { username: 'ci-bot', password: 'hunter2-secret' }
    const args = buildScanArgs(options({ credentials })).join(' ')
    expect(args).not.toContain('hunter2-secret')
    expect(args).not.toContain('ci-bot')
    expect(args).not.toMatch(/--username|--password|--registry-token/)
  })
})

describe('scanEnv', () => {
  it('sets the CI-friendly switches and the cache dir', () => {
    expect(scanEnv(options())).toEqual({
      TRIVY_NO_PROGRESS: 'true',
      TRIVY_SKIP_VERSION_CHECK: 'true',
      TRIVY_DISABLE_TELEMETRY: 'true',
      TRIVY_CACHE_DIR: '/tmp/cache'
    })
  })

  it('points trivy at a private Docker config, never TRIVY_USERNAME/TRIVY_PASSWORD', () => {
    const env = scanEnv({ cacheDir: '/tmp/cache', dockerConfig: '/private/docker' })
    expect(env['DOCKER_CONFIG']).toBe('/private/docker')
    expect(Object.keys(env).filter((name) => /USERNAME|PASSWORD/.test(name))).toEqual([])
  })
})

describe('scanLabel', () => {
  it('names the tarball for a tarball source and the target otherwise', () => {
    expect(scanLabel(options())).toBe(PINNED)
    expect(scanLabel(options({ source: { kind: 'tarball', path: '/ws/i.tar' } }))).toBe('/ws/i.tar')
  })
})
