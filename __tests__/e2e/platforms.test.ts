// Every platform of a multi-platform image (issue 12), as a runner runs the action, against a real
// registry holding real OCI indexes: each platform image scanned by its own digest, one gate over
// all of them, only what was scanned signed, attestations on each platform digest. What is signed
// is read back from the registry, not from the action's own outputs. The platform images carry
// the report the stand-in trivy finds in them (images.ts), so one index can hold a vulnerable
// linux/arm64 and a clean linux/amd64, and BuildKit attestation manifests sit beside them.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  deleteBlob,
  describeManifest,
  pushImage,
  pushIndex,
  type PushedImage
} from '../harness/images.js'
import { STANDIN_DIR, TRIVY_FIXTURES_DIR } from '../harness/paths.js'
import { getManifest, listTags } from '../harness/real/oci-push.js'
import { cleanupRuns, errorLines, type ActionRun } from '../harness/runner.js'
import { startWorld, type World } from '../harness/world.js'

const PASSWORD = 'multi platform key password'
/** 2 critical findings: fails `fail-on: high`. */
const VULNERABLE = join(TRIVY_FIXTURES_DIR, 'alpine-39.json')
/** Medium and lower: passes `fail-on: high`. */
const CLEAN = join(TRIVY_FIXTURES_DIR, 'alpine-310.json')
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
const SIGNATURE = 'https://sigstore.dev/cosign/sign/v1'
const VULN = 'https://cosign.sigstore.dev/attestation/vuln/v1'
const SBOM = 'https://cyclonedx.org/bom'
const PLATFORMS = ['linux/amd64', 'linux/arm64']

let world: World
let privateKey: string
let publicKey: string

beforeAll(async () => {
  world = await startWorld()
  const keys = mkdtempSync(join(tmpdir(), 'imgsec-platform-keys-'))
  execFileSync(process.execPath, [join(STANDIN_DIR, 'cosign.mjs'), 'generate-key-pair'], {
    cwd: keys,
    env: { ...process.env, COSIGN_PASSWORD: PASSWORD, IMGSEC_STANDIN_LOG: '' }
  })
  privateKey = readFileSync(join(keys, 'cosign.key'), 'utf8')
  publicKey = readFileSync(join(keys, 'cosign.pub'), 'utf8')
})
afterAll(async () => {
  await world.stop()
  cleanupRuns()
})

const keyInputs = (): Record<string, string> => ({
  'cosign-key': privateKey,
  'cosign-password': PASSWORD,
  'cosign-public-key': publicKey
})

/** An index of linux/amd64 and linux/arm64 with a BuildKit attestation manifest for each. */
function pushIndexImage(
  repository: string,
  reports: (platform: string) => string
): Promise<PushedImage> {
  return pushImage(world.registry, repository, '1.0', {
    platforms: PLATFORMS,
    reports,
    attestations: true
  })
}

const imageInput = (repository: string, tag = '1.0'): string =>
  `${world.registry.host}/${repository}:${tag}`
const pinned = (repository: string, digest: string): string =>
  `${world.registry.host}/${repository}@${digest}`

/**
 * What the registry holds attached to `digest`: the predicate type of each Sigstore bundle that
 * refers to it (the referrers API, or the `sha256-<hex>` fallback index cosign v3 writes), and
 * cosign v2's `.sig` / `.att` tags.
 */
async function attached(repository: string, digest: string): Promise<string[]> {
  const referrers = await fetch(`${world.registry.url}/v2/${repository}/referrers/${digest}`, {
    headers: { Accept: OCI_INDEX }
  })
  const index =
    referrers.status === 200
      ? ((await referrers.json()) as { manifests?: Array<{ digest: string }> })
      : await getManifest(world.registry, repository, digest.replace(':', '-'))
  const found: string[] = []
  for (const entry of index?.manifests ?? []) {
    const bundle = await getManifest(world.registry, repository, entry.digest)
    if (bundle?.subject?.digest !== digest) continue
    found.push(bundle.annotations?.['dev.sigstore.bundle.predicateType'] ?? 'unknown bundle')
  }
  const tags = await listTags(world.registry, repository)
  for (const suffix of ['.sig', '.att'])
    if (tags.includes(`${digest.replace(':', '-')}${suffix}`)) found.push(`v2 ${suffix}`)
  return found.sort()
}

/** Every digest of the index: the index, its platform images and its attestation manifests. */
function everyDigest(image: PushedImage): string[] {
  return [
    image.digest,
    ...Object.values(image.platformDigests),
    ...Object.values(image.attestationDigests)
  ]
}

function cosignCalls(run: ActionRun, command: string): string[][] {
  return world
    .calls(run)
    .filter((call) => call.tool === 'cosign' && call.argv[0] === command)
    .map((call) => call.argv)
}

interface PlatformOutput {
  platform: string
  digest: string
  verdict: string
  /** Shaped as the `vulnerabilities` output. */
  counts: Record<string, number>
  'report-file': string
  'sbom-file'?: string
}
const platformsOutput = (run: ActionRun): PlatformOutput[] =>
  JSON.parse(run.outputs['platforms'] ?? '[]') as PlatformOutput[]

describe('an index whose linux/arm64 image has critical findings and linux/amd64 none', () => {
  let image: PushedImage
  let run: ActionRun
  beforeAll(async () => {
    image = await pushIndexImage('team/mixed', (p) => (p === 'linux/arm64' ? VULNERABLE : CLEAN))
    run = await world.run({
      image: imageInput('team/mixed'),
      steps: 'scan,gate,sign,attest,verify',
      'fail-on': 'high',
      recursive: 'true',
      attestations: 'vuln,sbom',
      ...keyInputs()
    })
  })

  it('fails the gate naming linux/arm64, in the step and in the summary', () => {
    expect(run.exitCode).toBe(1)
    expect(run.outputs).toMatchObject({ gate: 'failed', signed: 'false', attested: 'false' })
    expect(errorLines(run).join('\n')).toContain('linux/arm64')
    expect(run.summary).toContain('linux/arm64')
    expect(Number(run.outputs['critical'])).toBeGreaterThan(0)
  })

  it('scans each platform image once by its own digest, never the attestation manifests', () => {
    const targets = world.scans(run).map((argv) => argv.at(-1))
    expect(targets.sort()).toEqual(
      PLATFORMS.map((p) => pinned('team/mixed', image.platformDigests[p] ?? '')).sort()
    )
    for (const argv of world.scans(run)) {
      expect(argv).not.toContain('--platform')
      expect(argv).toEqual(expect.arrayContaining(['--skip-db-update']))
    }
    const downloads = world
      .calls(run)
      .filter((call) => call.tool === 'trivy' && call.argv.includes('--download-db-only'))
    expect(downloads).toHaveLength(1)
  })

  it('signs and attests nothing: the registry holds nothing for any digest of the index', async () => {
    expect(cosignCalls(run, 'sign')).toEqual([])
    expect(cosignCalls(run, 'attest')).toEqual([])
    for (const digest of everyDigest(image))
      expect(await attached('team/mixed', digest)).toEqual([])
  })

  it('gives each platform its own verdict, digest and counts in the platforms output', () => {
    const platforms = platformsOutput(run)
    expect(platforms.map((p) => [p.platform, p.digest, p.verdict]).sort()).toEqual([
      ['linux/amd64', image.platformDigests['linux/amd64'], 'passed'],
      ['linux/arm64', image.platformDigests['linux/arm64'], 'failed']
    ])
    const arm = platforms.find((p) => p.platform === 'linux/arm64')
    const amd = platforms.find((p) => p.platform === 'linux/amd64')
    expect(arm?.counts['critical']).toBeGreaterThan(0)
    expect(amd?.counts['critical']).toBe(0)
    for (const p of platforms) expect(existsSync(p['report-file'])).toBe(true)
  })
})

describe('the same index with both platform images clean', () => {
  let image: PushedImage
  let run: ActionRun
  beforeAll(async () => {
    image = await pushIndexImage('team/clean', () => CLEAN)
    run = await world.run({
      image: imageInput('team/clean'),
      steps: 'scan,gate,sign,attest,verify',
      'fail-on': 'high',
      recursive: 'true',
      attestations: 'vuln,sbom',
      ...keyInputs()
    })
  })

  it('signs the index and, with recursive, each platform image, naming each digest', async () => {
    expect(errorLines(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({
      gate: 'passed',
      signed: 'true',
      attested: 'true',
      verified: 'true'
    })
    const signed = cosignCalls(run, 'sign')
    expect(signed.map((argv) => argv.at(-1)).sort()).toEqual(
      [image.digest, ...Object.values(image.platformDigests)]
        .map((d) => pinned('team/clean', d))
        .sort()
    )
    // The platform images are named one by one: --recursive would sign the attestation manifests.
    for (const argv of signed) expect(argv).not.toContain('--recursive')
    expect(await attached('team/clean', image.digest)).toEqual([SIGNATURE])
  })

  it("puts each platform's vulnerability and SBOM attestations on that platform's digest", async () => {
    for (const platform of PLATFORMS) {
      const digest = image.platformDigests[platform] ?? ''
      expect({ platform, attached: await attached('team/clean', digest) }).toEqual({
        platform,
        attached: [SBOM, SIGNATURE, VULN].sort()
      })
    }
    const attest = cosignCalls(run, 'attest')
    const byTarget = attest.map((argv) => [argv[argv.indexOf('--type') + 1], argv.at(-1)])
    expect(byTarget.sort()).toEqual(
      PLATFORMS.flatMap((p) =>
        ['cyclonedx', 'vuln'].map((type) => [
          type,
          pinned('team/clean', image.platformDigests[p] ?? '')
        ])
      ).sort()
    )
  })

  it('leaves the attestation manifests alone: never scanned, signed nor attested', async () => {
    for (const digest of Object.values(image.attestationDigests)) {
      expect(await attached('team/clean', digest)).toEqual([])
      for (const call of world.calls(run)) expect(call.argv.join(' ')).not.toContain(digest)
    }
  })

  it('writes one CycloneDX SBOM per platform and lists them in sbom-files and platforms', () => {
    const files = (run.outputs['sbom-files'] ?? '').split('\n').filter(Boolean)
    expect(files).toHaveLength(2)
    for (const file of files) {
      const bom = JSON.parse(readFileSync(file, 'utf8')) as {
        bomFormat: string
        metadata: { component: { name: string } }
      }
      expect(bom.bomFormat).toBe('CycloneDX')
    }
    const platforms = platformsOutput(run)
    expect(platforms.map((p) => p['sbom-file']).sort()).toEqual([...files].sort())
    for (const p of platforms) {
      const bom = JSON.parse(readFileSync(p['sbom-file'] ?? '', 'utf8')) as {
        metadata: { component: { name: string } }
      }
      expect(bom.metadata.component.name).toBe(pinned('team/clean', p.digest))
    }
    // The SBOM lists every package: the scan behind it listed them all.
    for (const argv of world.scans(run)) expect(argv).toContain('--list-all-pkgs=true')
  })
})

describe('the clean index without recursive, vulnerability attestations only', () => {
  it('signs the index alone and attests each platform digest, never the index', async () => {
    const image = await pushIndexImage('team/plain', () => CLEAN)
    const run = await world.run({
      image: imageInput('team/plain'),
      steps: 'scan,gate,sign,attest,verify',
      'fail-on': 'high',
      ...keyInputs()
    })
    expect(errorLines(run)).toEqual([])
    expect(run.outputs).toMatchObject({ signed: 'true', attested: 'true', verified: 'true' })
    expect(await attached('team/plain', image.digest)).toEqual([SIGNATURE])
    for (const digest of Object.values(image.platformDigests))
      expect(await attached('team/plain', digest)).toEqual([VULN])
    for (const argv of world.scans(run)) expect(argv).toContain('--list-all-pkgs=false')
  })
})

describe('platforms: linux/amd64 on the clean index', () => {
  it('signs only that platform image, never the index, and the summary says why', async () => {
    const image = await pushIndexImage('team/subset', () => CLEAN)
    const run = await world.run({
      image: imageInput('team/subset'),
      steps: 'scan,gate,sign,verify',
      'fail-on': 'high',
      platforms: 'linux/amd64',
      recursive: 'true',
      ...keyInputs()
    })
    expect(errorLines(run)).toEqual([])
    expect(run.outputs).toMatchObject({ gate: 'passed', signed: 'true', verified: 'true' })
    const amd = image.platformDigests['linux/amd64'] ?? ''
    expect(world.scans(run).map((argv) => argv.at(-1))).toEqual([pinned('team/subset', amd)])
    expect(await attached('team/subset', amd)).toEqual([SIGNATURE])
    expect(await attached('team/subset', image.digest)).toEqual([])
    expect(await attached('team/subset', image.platformDigests['linux/arm64'] ?? '')).toEqual([])
    expect(run.summary).toMatch(/index was not signed/)
    expect(platformsOutput(run).map((p) => p.platform)).toEqual(['linux/amd64'])
  })
})

describe('an index of four platform images', () => {
  it('scans them side by side, each by its own digest, without sharing a scan cache', async () => {
    const four = ['linux/amd64', 'linux/arm64', 'linux/ppc64le', 'linux/s390x']
    const image = await pushImage(world.registry, 'team/four', '1.0', {
      platforms: four,
      reports: () => CLEAN
    })
    // Each scan takes 6 s and holds trivy's fs scan cache as the real one does: a scan waiting for
    // the fs cache gives up after 5 s.
    const run = await world.run(
      { image: imageInput('team/four'), steps: 'scan,gate', 'fail-on': 'high' },
      { env: { STANDIN_TRIVY_SCAN_MS: '6000' } }
    )
    expect(errorLines(run)).toEqual([])
    expect(run.outputs['gate']).toBe('passed')
    const scans = world
      .calls(run)
      .filter((call) => call.tool === 'trivy' && call.argv[0] === 'image')
      .filter((call) => !call.argv.includes('--download-db-only'))
    expect(scans.map((call) => call.argv.at(-1)).sort()).toEqual(
      four.map((p) => pinned('team/four', image.platformDigests[p] ?? '')).sort()
    )
    // Up to four at once (two on a two-core runner): some scans start together, where one after
    // the other they would start 6 s apart.
    const starts = scans.map((call) => call.at ?? 0).sort((a, b) => a - b)
    const gaps = starts.slice(1).map((start, i) => start - (starts[i] ?? 0))
    expect(Math.min(...gaps)).toBeLessThan(2500)
  }, 60_000)
})

describe('bad input', () => {
  let image: PushedImage
  beforeAll(async () => {
    image = await pushIndexImage('team/bad', () => CLEAN)
  })

  it('a listed platform the index lacks: an error naming it and the ones it has, before any scan', async () => {
    const run = await world.run({
      image: imageInput('team/bad'),
      steps: 'scan,gate',
      'fail-on': 'high',
      platforms: 'linux/amd64\nlinux/s390x'
    })
    expect(run.exitCode).toBe(1)
    const errors = errorLines(run).join('\n')
    expect(errors).toContain('linux/s390x')
    expect(errors).toMatch(/linux\/amd64[\s\S]*linux\/arm64|linux\/arm64[\s\S]*linux\/amd64/)
    expect(errors).not.toContain('unknown/unknown')
    expect(world.scans(run)).toEqual([])
  })

  it.each([
    ['an index nested in an index', 'nested'],
    ['an empty index', 'empty']
  ])('%s: an error naming the image, before any scan', async (_name, tag) => {
    const manifests =
      tag === 'empty'
        ? []
        : [
            {
              ...(await describeManifest(world.registry, 'team/bad', image.digest)),
              platform: { os: 'linux', architecture: 'amd64' }
            }
          ]
    await pushIndex(world.registry, 'team/bad', tag, manifests)
    const run = await world.run({
      image: imageInput('team/bad', tag),
      steps: 'scan,gate,sign',
      'fail-on': 'none',
      ...keyInputs()
    })
    expect(run.exitCode).toBe(1)
    expect(errorLines(run).join('\n')).toContain(imageInput('team/bad', tag))
    expect(world.scans(run)).toEqual([])
    expect(cosignCalls(run, 'sign')).toEqual([])
  })

  it('a platform image that cannot be pulled: gate=error naming the platform, nothing signed', async () => {
    const broken = await pushIndexImage('team/broken', () => CLEAN)
    await deleteBlob(world.registry, 'team/broken', broken.layerDigests['linux/arm64']?.[0] ?? '')
    const run = await world.run({
      image: imageInput('team/broken'),
      steps: 'scan,gate,sign,attest',
      'fail-on': 'none',
      recursive: 'true',
      ...keyInputs()
    })
    expect(run.exitCode).toBe(1)
    expect(run.outputs).toMatchObject({ gate: 'error', signed: 'false', attested: 'false' })
    expect(errorLines(run).join('\n')).toContain('linux/arm64')
    expect(cosignCalls(run, 'sign')).toEqual([])
    for (const digest of everyDigest(broken))
      expect(await attached('team/broken', digest)).toEqual([])
  })
})
