// The table of `trivy image` command lines the action builds, shared by the unit test of
// buildScanArgs and the real tier's conformance test (every line must parse with the real trivy).
import type { ScanOptions } from '../../../src/trivy/scan.js'

export const PINNED = `ghcr.io/org/app@sha256:${'ab'.repeat(32)}`

export function options(overrides: Partial<ScanOptions> = {}): ScanOptions {
  return {
    target: PINNED,
    source: { kind: 'registry' },
    reportFile: '/tmp/r/report.json',
    scanners: ['vuln'],
    ignoreUnfixed: false,
    vex: [],
    dbRepositories: [],
    cacheDir: '/tmp/cache',
    listAllPackages: false,
    skipDbUpdate: false,
    ...overrides
  }
}

export const BASE = [
  'image',
  '--format',
  'json',
  '--output',
  '/tmp/r/report.json',
  '--list-all-pkgs=false',
  '--severity',
  'UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL'
]

export const SCAN_ARGS_CASES: Array<[string, Partial<ScanOptions>, string[]]> = [
  [
    'defaults: registry image by digest, remote only',
    {},
    [
      ...BASE,
      '--scanners',
      'vuln',
      '--image-src',
      'remote',
      '--cache-dir',
      '/tmp/cache',
      '--cache-backend',
      'memory',
      PINNED
    ]
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
      '--cache-backend',
      'memory',
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
      '--cache-backend',
      'memory',
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
      '--cache-backend',
      'memory',
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
      '--cache-backend',
      'memory',
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
      '--cache-backend',
      'memory',
      'localhost/app:dev'
    ]
  ],
  [
    'tarball source: --input and no target',
    { source: { kind: 'tarball', path: '/ws/image.tar' } },
    [
      ...BASE,
      '--scanners',
      'vuln',
      '--input',
      '/ws/image.tar',
      '--cache-dir',
      '/tmp/cache',
      '--cache-backend',
      'memory'
    ]
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
      '--cache-backend',
      'memory',
      PINNED
    ]
  ],
  [
    'after the DB download: --skip-db-update and no DB repository',
    { skipDbUpdate: true, dbRepositories: ['registry.example.com/trivy-db:2'] },
    [
      ...BASE,
      '--scanners',
      'vuln',
      '--image-src',
      'remote',
      '--skip-db-update',
      '--cache-dir',
      '/tmp/cache',
      '--cache-backend',
      'memory',
      PINNED
    ]
  ],
  [
    'every package listed when an SBOM is wanted',
    { listAllPackages: true },
    [
      ...BASE.map((arg) => (arg === '--list-all-pkgs=false' ? '--list-all-pkgs=true' : arg)),
      '--scanners',
      'vuln',
      '--image-src',
      'remote',
      '--cache-dir',
      '/tmp/cache',
      '--cache-backend',
      'memory',
      PINNED
    ]
  ]
]
