// The local world for multi-platform images (issue 12): indexes whose platform images differ, with
// BuildKit attestation manifests, nested and empty indexes; the stand-in trivy scanning a platform
// image by its own digest, downloading the DB once and converting a report to CycloneDX; the
// stand-in cosign attesting an SBOM and keeping each digest's signatures to that digest.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  ATTESTATION_REFERENCE_DIGEST,
  ATTESTATION_REFERENCE_TYPE,
  deleteBlob,
  describeManifest,
  pushImage,
  pushIndex,
  type PushedImage
} from './images.js'
import { STANDIN_DIR, TRIVY_FIXTURES_DIR } from './paths.js'
import { getManifest } from './real/oci-push.js'
import { startRegistry, type TestRegistry } from './registry.js'
import { runStandin, type StandinRun } from './trivy-standin-run.js'

const VULNERABLE = join(TRIVY_FIXTURES_DIR, 'alpine-39.json')
const CLEAN = join(TRIVY_FIXTURES_DIR, 'alpine-310.json')
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
const PLATFORMS = ['linux/amd64', 'linux/arm64']

let registry: TestRegistry
let work: string
/** linux/amd64 clean, linux/arm64 vulnerable, each with a BuildKit attestation manifest. */
let mixed: PushedImage
const repo = (): string => `${registry.host}/team/app`

beforeAll(async () => {
  registry = await startRegistry()
  work = mkdtempSync(join(tmpdir(), 'imgsec-platforms-'))
  mixed = await pushImage(registry, 'team/app', 'mixed', {
    platforms: ['linux/amd64', 'linux/arm64'],
    reports: (platform) => (platform === 'linux/arm64' ? VULNERABLE : CLEAN),
    attestations: true
  })
}, 60_000)
afterAll(async () => {
  await registry?.stop()
  rmSync(work, { recursive: true, force: true })
})

describe('images', () => {
  it('lists each platform image, then a BuildKit attestation manifest for each', async () => {
    const index = await getManifest(registry, 'team/app', mixed.digest)
    const entries = (index?.manifests ?? []) as Array<{
      digest: string
      platform?: { os: string; architecture: string }
      annotations?: Record<string, string>
    }>
    expect(entries.map((entry) => entry.platform)).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
      { os: 'unknown', architecture: 'unknown' },
      { os: 'unknown', architecture: 'unknown' }
    ])
    for (const [platform, digest] of Object.entries(mixed.platformDigests)) {
      const attestation = entries.find(
        (entry) => entry.annotations?.[ATTESTATION_REFERENCE_DIGEST] === digest
      )
      expect(attestation?.digest).toBe(mixed.attestationDigests[platform])
      expect(attestation?.annotations?.[ATTESTATION_REFERENCE_TYPE]).toBe('attestation-manifest')
      const stored = await getManifest(registry, 'team/app', attestation?.digest ?? '')
      expect(stored?.layers?.[0]?.mediaType).toBe('application/vnd.in-toto+json')
    }
  })

  it('pushes an empty index and an index nested in an index', async () => {
    const empty = await pushIndex(registry, 'team/app', 'empty', [])
    expect(await getManifest(registry, 'team/app', 'empty')).toMatchObject({
      mediaType: OCI_INDEX,
      manifests: []
    })
    const inner = await describeManifest(registry, 'team/app', mixed.digest)
    const nested = await pushIndex(registry, 'team/app', 'nested', [
      { ...inner, platform: { os: 'linux', architecture: 'amd64' } }
    ])
    expect(nested).not.toBe(empty)
    const outer = await getManifest(registry, 'team/app', 'nested')
    expect(outer?.manifests).toEqual([
      expect.objectContaining({ mediaType: OCI_INDEX, digest: mixed.digest })
    ])
  })
})

/** `trivy image` of `target` as the action runs it after the DB download. */
function scan(
  target: string,
  cacheDir: string,
  extra: string[] = [],
  report = join(work, 'report.json')
): Promise<StandinRun> {
  return runStandin([
    'image',
    '--format',
    'json',
    '--output',
    report,
    '--list-all-pkgs=false',
    '--severity',
    'UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL',
    '--scanners',
    'vuln,secret',
    '--image-src',
    'remote',
    '--skip-db-update',
    '--cache-backend',
    'memory',
    ...extra,
    '--cache-dir',
    cacheDir,
    target
  ])
}

interface Report {
  ArtifactName: string
  Metadata: { ImageConfig?: { architecture?: string } }
  Results: Array<{ Vulnerabilities?: Array<{ Severity: string }>; Packages?: unknown[] }>
}
const readReport = (file = join(work, 'report.json')): Report =>
  JSON.parse(readFileSync(file, 'utf8')) as Report
const severities = (report: Report): string[] =>
  report.Results.flatMap((r) => r.Vulnerabilities ?? []).map((v) => v.Severity)

describe('the stand-in trivy, one platform image at a time', () => {
  let cacheDir: string
  beforeAll(async () => {
    cacheDir = join(work, 'cache')
    const download = await runStandin(['image', '--download-db-only', '--cache-dir', cacheDir])
    expect(download).toMatchObject({ code: 0 })
  })

  it('downloads the DB once without a target; the scans then skip the update', async () => {
    const log = (): string => readFileSync(join(cacheDir, 'db', 'standin-downloads.log'), 'utf8')
    const before = log()
    expect(before.trim().split('\n')).toHaveLength(1)
    const run = await scan(`${repo()}@${mixed.platformDigests['linux/amd64']}`, cacheDir)
    expect(run.stderr).not.toContain('FATAL')
    expect(log()).toBe(before)
  })

  it('refuses --skip-db-update on an empty cache, and together with --download-db-only', async () => {
    const empty = await scan(
      `${repo()}@${mixed.platformDigests['linux/amd64']}`,
      join(work, 'empty-cache')
    )
    expect(empty.code).toBe(1)
    expect(empty.stderr).toContain(
      'DB error: database error: --skip-db-update cannot be specified on the first run'
    )
    const both = await runStandin([
      'image',
      '--download-db-only',
      '--skip-db-update',
      '--cache-dir',
      cacheDir
    ])
    expect(both.code).toBe(1)
    expect(both.stderr).toContain(
      '--skip-db-update and --download-db-only options can not be specified both'
    )
  })

  it("reports each platform image's own findings and config, scanned by its digest", async () => {
    for (const platform of ['linux/arm64', 'linux/amd64']) {
      const target = `${repo()}@${mixed.platformDigests[platform]}`
      const file = join(work, `report-${platform.replace('/', '-')}.json`)
      const run = await scan(target, cacheDir, [], file)
      expect(run).toMatchObject({ code: 0 })
      const report = readReport(file)
      expect(report.ArtifactName).toBe(target)
      expect(report.Metadata.ImageConfig?.architecture).toBe(platform.split('/')[1])
      expect(severities(report).length).toBeGreaterThan(0)
    }
    const arm = readReport(join(work, 'report-linux-arm64.json'))
    const amd = readReport(join(work, 'report-linux-amd64.json'))
    expect(severities(arm)).toContain('CRITICAL')
    expect(severities(amd)).not.toContain('CRITICAL')
    expect(severities(amd)).not.toContain('HIGH')
  })

  it('lists the packages with --list-all-pkgs=true, and none with =false', async () => {
    const target = `${repo()}@${mixed.platformDigests['linux/arm64']}`
    await scan(target, cacheDir)
    expect(readReport().Results.every((r) => r.Packages === undefined)).toBe(true)
    await scan(target, cacheDir, ['--list-all-pkgs=true'])
    const packages = readReport().Results.flatMap((r) => r.Packages ?? [])
    expect(packages.length).toBeGreaterThan(0)
    expect(packages[0]).toMatchObject({ ID: expect.any(String), Name: expect.any(String) })
  })

  it('accepts the fs and memory scan caches and refuses another one as trivy does', async () => {
    const target = `${repo()}@${mixed.platformDigests['linux/amd64']}`
    expect((await scan(target, cacheDir, ['--cache-backend', 'fs'])).code).toBe(0)
    const bogus = await scan(target, cacheDir, ['--cache-backend', 'disk'])
    expect(bogus.code).toBe(1)
    expect(bogus.stderr).toContain('unable to initialize cache: unknown cache type: unknown')
    const badFlag = await scan(target, cacheDir, ['--list-all-pkgs=maybe'])
    expect(badFlag.code).toBe(1)
    expect(badFlag.stderr).toContain('invalid argument "maybe" for "--list-all-pkgs" flag')
    const unknown = await scan(target, cacheDir, ['--list-all-packages'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('unknown flag: --list-all-packages')
  })

  it('holds the fs scan cache for a whole scan as trivy does; the memory cache lets scans run side by side', async () => {
    const slow = { STANDIN_TRIVY_SCAN_MS: '6000' }
    const side = (backend: string): Promise<StandinRun[]> =>
      Promise.all(
        PLATFORMS.map((platform) =>
          runStandin(
            [
              'image',
              '--format',
              'json',
              '--output',
              join(work, `side-${backend}-${platform.replace('/', '-')}.json`),
              '--image-src',
              'remote',
              '--skip-db-update',
              '--cache-backend',
              backend,
              '--cache-dir',
              cacheDir,
              `${repo()}@${mixed.platformDigests[platform]}`
            ],
            slow
          )
        )
      )
    const fs = await side('fs')
    expect(fs.map((run) => run.code).sort()).toEqual([0, 1])
    expect(fs.map((run) => run.stderr).join('\n')).toContain(
      'unable to initialize fs cache: cache may be in use by another process: timeout'
    )
    const memory = await side('memory')
    expect(memory.map((run) => run.code)).toEqual([0, 0])
  }, 30_000)

  it('fails, writing no report, when a layer of the platform image cannot be pulled', async () => {
    const broken = await pushImage(registry, 'team/broken', 'v1', {
      platforms: ['linux/amd64', 'linux/arm64'],
      reports: () => CLEAN
    })
    await deleteBlob(registry, 'team/broken', broken.layerDigests['linux/arm64']?.[0] ?? '')
    const file = join(work, 'broken.json')
    const arm = await scan(
      `${registry.host}/team/broken@${broken.platformDigests['linux/arm64']}`,
      cacheDir,
      [],
      file
    )
    expect(arm.code).toBe(1)
    expect(arm.stderr).toContain('BLOB_UNKNOWN')
    expect(existsSync(file)).toBe(false)
    const amd = await scan(
      `${registry.host}/team/broken@${broken.platformDigests['linux/amd64']}`,
      cacheDir,
      [],
      file
    )
    expect(amd.code).toBe(0)
  })
})

describe('trivy convert --format cyclonedx', () => {
  let cacheDir: string
  beforeAll(async () => {
    cacheDir = join(work, 'cdx-cache')
    await runStandin(['image', '--download-db-only', '--cache-dir', cacheDir])
  })

  interface Bom {
    bomFormat: string
    specVersion: string
    metadata: { component: { name: string; type: string; purl?: string } }
    components: Array<{ type: string; name: string; purl?: string; 'bom-ref': string }>
    vulnerabilities: Array<{ id: string; affects: Array<{ ref: string }> }>
  }

  async function sbom(listAll: boolean): Promise<{ run: StandinRun; bom: Bom; target: string }> {
    const target = `${repo()}@${mixed.platformDigests['linux/arm64']}`
    const report = join(work, `sbom-source-${listAll}.json`)
    await scan(target, cacheDir, [`--list-all-pkgs=${listAll}`], report)
    const out = join(work, `sbom-${listAll}.cdx.json`)
    const run = await runStandin(['convert', '--format', 'cyclonedx', '--output', out, report])
    return { run, bom: JSON.parse(readFileSync(out, 'utf8')) as Bom, target }
  }

  it("describes the platform image with every package and each finding on its package's component", async () => {
    const { run, bom, target } = await sbom(true)
    expect(run.code).toBe(0)
    expect(bom).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.7' })
    expect(bom.metadata.component).toMatchObject({ name: target, type: 'container' })
    expect(bom.metadata.component.purl).toContain(mixed.platformDigests['linux/arm64'])
    const libraries = bom.components.filter((c) => c.type === 'library')
    expect(libraries.length).toBeGreaterThan(0)
    expect(bom.components.filter((c) => c.type === 'operating-system')).toHaveLength(1)
    expect(bom.vulnerabilities.length).toBeGreaterThan(0)
    const refs = new Set(libraries.map((c) => c['bom-ref']))
    for (const v of bom.vulnerabilities)
      for (const a of v.affects) expect(refs.has(a.ref)).toBe(true)
  })

  it('has no package and no vulnerability from a report written with --list-all-pkgs=false', async () => {
    const { bom } = await sbom(false)
    expect(bom.components.map((c) => c.type)).toEqual(['operating-system'])
    expect(bom.vulnerabilities).toEqual([])
  })

  it('fails as trivy does on a missing report', async () => {
    const run = await runStandin([
      'convert',
      '--format',
      'cyclonedx',
      '--output',
      join(work, 'x.cdx.json'),
      join(work, 'missing.json')
    ])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('file open error: open')
  })
})

// ---- cosign ----
const COSIGN = join(STANDIN_DIR, 'cosign.mjs')
const PASSWORD = 'platform-key-password'

function cosign(args: string[]): Promise<StandinRun> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [COSIGN, ...args],
      {
        cwd: work,
        env: {
          PATH: process.env['PATH'] ?? '',
          HOME: work,
          COSIGN_PASSWORD: PASSWORD,
          IMGSEC_STANDIN_STATE: join(work, 'cosign-state')
        }
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        resolve({ code, stdout, stderr })
      }
    )
    child.stdin?.end()
  })
}

describe('the stand-in cosign on the digests of an index', () => {
  let image: PushedImage
  const ref = (digest: string): string => `${registry.host}/team/signed@${digest}`
  const verify = (digest: string): Promise<StandinRun> =>
    cosign(['verify', '--key', 'cosign.pub', ref(digest)])
  beforeAll(async () => {
    if (!readdirSync(work).includes('cosign.key'))
      expect((await cosign(['generate-key-pair'])).code).toBe(0)
    image = await pushImage(registry, 'team/signed', 'v1', {
      platforms: ['linux/amd64', 'linux/arm64'],
      attestations: true
    })
  })

  it("keeps a signature to its own digest: the index's never verifies a platform image, nor the reverse", async () => {
    const amd = image.platformDigests['linux/amd64'] ?? ''
    const arm = image.platformDigests['linux/arm64'] ?? ''
    expect((await cosign(['sign', '--yes', '--key', 'cosign.key', ref(image.digest)])).code).toBe(0)
    expect((await verify(image.digest)).code).toBe(0)
    for (const digest of [amd, arm]) {
      const run = await verify(digest)
      expect(run.code).toBe(1)
      expect(run.stderr).toContain('no signatures found')
    }
    expect((await cosign(['sign', '--yes', '--key', 'cosign.key', ref(amd)])).code).toBe(0)
    expect((await verify(amd)).code).toBe(0)
    expect((await verify(arm)).code).toBe(1)
    const attestation = image.attestationDigests['linux/amd64'] ?? ''
    expect((await verify(attestation)).code).toBe(1)
  })

  it("attests a platform image's CycloneDX SBOM to that digest only", async () => {
    const arm = image.platformDigests['linux/arm64'] ?? ''
    const amd = image.platformDigests['linux/amd64'] ?? ''
    const bomFile = join(work, 'attest.cdx.json')
    const report = join(work, 'attest-report.json')
    const cacheDir = join(work, 'attest-cache')
    await runStandin(['image', '--download-db-only', '--cache-dir', cacheDir])
    await scan(ref(arm), cacheDir, ['--list-all-pkgs=true'], report)
    await runStandin(['convert', '--format', 'cyclonedx', '--output', bomFile, report])
    const attest = await cosign([
      'attest',
      '--yes',
      '--type',
      'cyclonedx',
      '--predicate',
      bomFile,
      '--key',
      'cosign.key',
      ref(arm)
    ])
    expect(attest.stderr).not.toContain('Error')
    expect(attest.code).toBe(0)
    const verified = await cosign([
      'verify-attestation',
      '--type',
      'cyclonedx',
      '--key',
      'cosign.pub',
      ref(arm)
    ])
    expect(verified.code).toBe(0)
    const envelope = JSON.parse(verified.stdout.trim().split('\n')[0] ?? '{}') as {
      payload: string
    }
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as {
      predicateType: string
      subject: Array<{ digest: { sha256: string } }>
      predicate: { bomFormat: string }
    }
    expect(statement).toMatchObject({
      predicateType: 'https://cyclonedx.org/bom',
      subject: [{ digest: { sha256: arm.slice(7) } }],
      predicate: { bomFormat: 'CycloneDX' }
    })
    for (const [type, digest] of [
      ['cyclonedx', amd],
      ['cyclonedx', image.digest],
      ['vuln', arm]
    ] as const) {
      const other = await cosign([
        'verify-attestation',
        '--type',
        type,
        '--key',
        'cosign.pub',
        ref(digest)
      ])
      expect(other.code).toBe(1)
    }
  })

  it('refuses a CycloneDX predicate that is not a JSON object, and an unknown --type', async () => {
    const arm = image.platformDigests['linux/arm64'] ?? ''
    const list = join(work, 'list.json')
    writeFileSync(list, '[]')
    const args = (type: string, file: string): string[] => [
      'attest',
      '--yes',
      '--type',
      type,
      '--predicate',
      file,
      '--key',
      'cosign.key',
      ref(arm)
    ]
    const array = await cosign(args('cyclonedx', list))
    expect(array.code).toBe(1)
    expect(array.stderr).toContain('cannot unmarshal array')
    const unknown = await cosign(args('sbom', list))
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('invalid predicate type: sbom')
  })
})
