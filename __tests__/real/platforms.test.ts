// Every platform of a multi-platform image (issue 12) with the real trivy and cosign: one scan per
// platform image by its own digest, one gate over all of them, and signatures and attestations that
// the real cosign, run by the test itself, finds on exactly the digests that were scanned and
// passed. Keyed signing without the transparency log, offline (loopback registry and DB).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import {
  expectedCounts,
  expectedFindings,
  IMAGE_PACKAGES,
  type ApkPackage,
  type Counts
} from '../harness/real/alpine-images.js'
import {
  generateKeyPair,
  refOf,
  verifyAttestation,
  verifySignature,
  type KeyPair
} from '../harness/real/evidence.js'
import { getManifest } from '../harness/real/oci-push.js'
import { startRealWorld, type RealImage, type RealWorld } from '../harness/real/world.js'
import { cleanupRuns, errorLines, type ActionRun } from '../harness/runner.js'

const PASSWORD = 'platforms of one image'
const RUN_TIMEOUT = 240_000

let world: RealWorld
let keys: KeyPair

beforeAll(async () => {
  world = await startRealWorld()
  keys = await generateKeyPair(world, PASSWORD)
}, 300_000)
afterAll(async () => {
  await world?.stop()
  cleanupRuns()
})

const signingInputs = () => ({
  'cosign-key': keys.privateKey,
  'cosign-password': PASSWORD,
  'tlog-upload': 'false'
})

/** One entry of the `platforms` output (SPEC: per platform image its digest, verdict and counts). */
interface PlatformOutput {
  platform: string
  digest: string
  verdict: string
  counts: Partial<Counts> & { total: number }
  'report-file': string
  'sbom-file'?: string
}

function platformsOutput(run: ActionRun): PlatformOutput[] {
  return JSON.parse(run.outputs['platforms'] || '[]') as PlatformOutput[]
}

function sbomFiles(run: ActionRun): string[] {
  return (run.outputs['sbom-files'] ?? '').split('\n').filter((line) => line.trim() !== '')
}

/** The counts trivy must report for these packages, from the advisories of the offline DB. */
function countsOf(packages: ApkPackage[]): Counts & { total: number } {
  const findings = expectedFindings(packages, world.advisories)
  return { ...expectedCounts(findings).counts, total: findings.length }
}

/** The platform digests the registry's index lists, BuildKit attestation manifests left out. */
async function registryPlatforms(image: RealImage): Promise<Record<string, string>> {
  const index = await getManifest(world.registry, image.repository, image.pushed.digest)
  const platforms: Record<string, string> = {}
  for (const entry of index?.manifests ?? []) {
    if (entry.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') continue
    const p = entry.platform
    if (!p) continue
    platforms[[p.os, p.architecture, p.variant].filter(Boolean).join('/')] = entry.digest
  }
  return platforms
}

/** The package names a CycloneDX document lists as libraries. */
function sbomPackages(bom: unknown): string[] {
  const components = (bom as { components?: Array<{ type: string; name: string }> }).components
  return (components ?? [])
    .filter((c) => c.type === 'library')
    .map((c) => c.name)
    .sort()
}

const names = (packages: ApkPackage[]): string[] => packages.map((p) => p.name).sort()

/** The summary's table row of one platform (`| linux/arm64 | … |`), if it has one. */
function platformRow(run: ActionRun, platform: string): string | undefined {
  return run.summary
    .split('\n')
    .find((line) => line.replace(/\s+/g, '').startsWith(`|${platform}|`))
}

describe('an index whose linux/arm64 image has criticals and whose linux/amd64 image has none, fail-on: high', () => {
  let run: ActionRun
  let image: RealImage
  beforeAll(async () => {
    image = world.images.multi
    run = await world.run({
      image: image.ref,
      steps: 'scan,gate,sign,attest',
      'fail-on': 'high',
      recursive: 'true',
      attestations: 'vuln,sbom',
      ...signingInputs()
    })
  }, RUN_TIMEOUT)

  it('fails the gate on linux/arm64 and signs and attests nothing', async () => {
    expect(run.exitCode).toBe(1)
    expect(run.outputs).toMatchObject({ gate: 'failed', signed: 'false', attested: 'false' })
    const refs = [
      refOf(world, image),
      refOf(world, image, 'linux/amd64'),
      refOf(world, image, 'linux/arm64')
    ]
    for (const ref of refs) {
      const verify = await verifySignature(world, ref, keys.publicKeyFile)
      expect([ref, verify.exitCode]).not.toEqual([ref, 0])
      expect([ref, verify.stderr]).toEqual([
        ref,
        expect.stringMatching(/no signatures found|no matching signatures/)
      ])
      const attestation = await verifyAttestation(world, ref, keys.publicKeyFile, 'vuln')
      expect([ref, attestation.exitCode]).not.toEqual([ref, 0])
    }
  })

  it('names linux/arm64, and not linux/amd64, as the failing platform in the verdict and the summary', () => {
    const errors = errorLines(run).join('\n')
    expect(errors).toContain('linux/arm64')
    expect(errors).not.toContain('linux/amd64')
    const verdictLine = run.summary.split('\n').find((line) => /gate/i.test(line)) ?? ''
    expect(verdictLine).toContain('linux/arm64')
    expect(verdictLine).not.toContain('linux/amd64')
    expect(platformRow(run, 'linux/arm64')).toMatch(/failed/)
    expect(platformRow(run, 'linux/amd64')).toMatch(/passed/)
  })

  it('scanned each platform image by its own digest, with its own verdict and counts', async () => {
    const platforms = platformsOutput(run)
    expect(Object.fromEntries(platforms.map((p) => [p.platform, p.digest]))).toEqual(
      await registryPlatforms(image)
    )
    for (const entry of platforms) {
      const packages = image.packages[entry.platform] ?? []
      const expected = countsOf(packages)
      expect([entry.platform, entry.counts]).toEqual([
        entry.platform,
        expect.objectContaining(expected)
      ])
      const verdict = entry.platform === 'linux/arm64' ? 'failed' : 'passed'
      expect([entry.platform, entry.verdict]).toEqual([entry.platform, verdict])
      // trivy's own report names what it scanned: the platform image's digest, not the index.
      const report = JSON.parse(readFileSync(entry['report-file'], 'utf8')) as {
        ArtifactName: string
      }
      expect(report.ArtifactName).toBe(refOf(world, image, entry.platform))
    }
  })

  it('counts the gate outputs over both platforms', () => {
    const arm64 = countsOf(image.packages['linux/arm64'] ?? [])
    const amd64 = countsOf(image.packages['linux/amd64'] ?? [])
    // The patched amd64 image has only LOW and UNKNOWN findings: above those, arm64's counts are all.
    expect(amd64).toMatchObject({ critical: 0, high: 0, medium: 0 })
    for (const severity of ['critical', 'high', 'medium'] as const) {
      expect([severity, run.outputs[severity]]).toEqual([severity, String(arm64[severity])])
    }
    for (const severity of ['low', 'unknown'] as const) {
      const overall = Number(run.outputs[severity])
      expect(overall).toBeGreaterThanOrEqual(Math.max(arm64[severity], amd64[severity]))
      expect(overall).toBeLessThanOrEqual(arm64[severity] + amd64[severity])
    }
  })

  it('logs the index digest and every platform digest', () => {
    expect(run.stdout).toContain(image.pushed.digest)
    for (const digest of Object.values(image.pushed.platformDigests)) {
      expect(run.stdout).toContain(digest)
    }
  })
})

describe('an index with every platform clean (and BuildKit attestation manifests): scan, gate, sign, attest, verify, recursive, attestations vuln,sbom', () => {
  let run: ActionRun
  let image: RealImage
  beforeAll(async () => {
    image = world.images.cleanMulti
    run = await world.run({
      image: image.ref,
      steps: 'scan,gate,sign,attest,verify',
      'fail-on': 'high',
      recursive: 'true',
      attestations: 'vuln,sbom',
      ...signingInputs()
    })
  }, RUN_TIMEOUT)

  it('passes every step', () => {
    expect(errorLines(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({
      gate: 'passed',
      signed: 'true',
      attested: 'true',
      verified: 'true',
      digest: image.pushed.digest
    })
  })

  it('signs the index and both platform images, and never a BuildKit attestation manifest', async () => {
    const signed = [
      refOf(world, image),
      refOf(world, image, 'linux/amd64'),
      refOf(world, image, 'linux/arm64')
    ]
    for (const ref of signed) {
      const verify = await verifySignature(world, ref, keys.publicKeyFile)
      expect([ref, verify.exitCode]).toEqual([ref, 0])
      const claims = JSON.parse(verify.stdout) as Array<{
        critical: { image: { 'docker-manifest-digest': string } }
      }>
      // cosign v3 lists the attestations' bundles too: each names the digest it is on.
      expect(new Set(claims.map((c) => c.critical.image['docker-manifest-digest']))).toEqual(
        new Set([ref.split('@')[1]])
      )
    }
    expect(image.attestationDigests).toHaveLength(2)
    for (const digest of image.attestationDigests) {
      const ref = `${world.registry.host}/${image.repository}@${digest}`
      const verify = await verifySignature(world, ref, keys.publicKeyFile)
      expect([ref, verify.exitCode]).not.toEqual([ref, 0])
    }
  })

  it('attaches each platform its own vuln and CycloneDX attestation, and none to the index', async () => {
    for (const platform of Object.keys(image.packages)) {
      const ref = refOf(world, image, platform)
      const digest = image.pushed.platformDigests[platform]
      const vuln = await verifyAttestation(world, ref, keys.publicKeyFile, 'vuln')
      expect([platform, vuln.exitCode]).toEqual([platform, 0])
      expect(vuln.statements.map((s) => `sha256:${s.subject[0]?.digest.sha256}`)).toEqual([digest])
      const sbom = await verifyAttestation(world, ref, keys.publicKeyFile, 'cyclonedx')
      expect([platform, sbom.exitCode]).toEqual([platform, 0])
      expect(sbom.statements).toHaveLength(1)
      expect(sbom.statements[0]?.predicateType).toBe('https://cyclonedx.org/bom')
      expect(sbomPackages(sbom.statements[0]?.predicate)).toEqual(
        names(image.packages[platform] ?? [])
      )
    }
    for (const type of ['vuln', 'cyclonedx'] as const) {
      const onIndex = await verifyAttestation(world, refOf(world, image), keys.publicKeyFile, type)
      expect([type, onIndex.exitCode]).not.toEqual([type, 0])
    }
  })

  it('outputs the platforms the registry lists and an SBOM file per platform that lists its packages', async () => {
    const platforms = platformsOutput(run)
    expect(Object.fromEntries(platforms.map((p) => [p.platform, p.digest]))).toEqual(
      await registryPlatforms(image)
    )
    expect(platforms.map((p) => p.verdict)).toEqual(['passed', 'passed'])
    for (const platform of Object.keys(image.packages)) {
      expect([platform, platformRow(run, platform)]).toEqual([
        platform,
        expect.stringMatching(/passed/)
      ])
    }
    const files = sbomFiles(run)
    expect(files).toHaveLength(2)
    expect(platforms.map((p) => p['sbom-file'])).toEqual(files)
    for (const entry of platforms) {
      const file = entry['sbom-file'] as string
      expect(existsSync(file)).toBe(true)
      const bom = JSON.parse(readFileSync(file, 'utf8')) as { bomFormat: string }
      expect(bom.bomFormat).toBe('CycloneDX')
      expect([entry.platform, sbomPackages(bom)]).toEqual([
        entry.platform,
        names(image.packages[entry.platform] ?? [])
      ])
    }
  })
})

describe('platforms: linux/amd64 of an index whose linux/arm64 image has criticals', () => {
  let run: ActionRun
  let image: RealImage
  beforeAll(async () => {
    image = await world.push('amd64-only', {
      'linux/amd64': IMAGE_PACKAGES.clean,
      'linux/arm64': IMAGE_PACKAGES.vulnerable
    })
    run = await world.run({
      image: image.ref,
      steps: 'scan,gate,sign,attest',
      platforms: 'linux/amd64',
      recursive: 'true',
      ...signingInputs()
    })
  }, RUN_TIMEOUT)

  it('scans, signs and attests that platform image only, never the index', async () => {
    expect(errorLines(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({ gate: 'passed', signed: 'true', attested: 'true' })
    expect(platformsOutput(run).map((p) => [p.platform, p.digest])).toEqual([
      ['linux/amd64', image.pushed.platformDigests['linux/amd64']]
    ])
    const amd64 = refOf(world, image, 'linux/amd64')
    expect((await verifySignature(world, amd64, keys.publicKeyFile)).exitCode).toBe(0)
    expect((await verifyAttestation(world, amd64, keys.publicKeyFile, 'vuln')).exitCode).toBe(0)
    for (const ref of [refOf(world, image), refOf(world, image, 'linux/arm64')]) {
      const verify = await verifySignature(world, ref, keys.publicKeyFile)
      expect([ref, verify.exitCode]).not.toEqual([ref, 0])
      const attestation = await verifyAttestation(world, ref, keys.publicKeyFile, 'vuln')
      expect([ref, attestation.exitCode]).not.toEqual([ref, 0])
    }
  })

  it('says in the summary why the index was not signed', () => {
    expect(run.summary).toMatch(/index was not signed/)
  })
})

describe('a single-platform image with attestations: vuln,sbom', () => {
  it(
    'gets the same per-image SBOM file and CycloneDX attestation on its own digest',
    async () => {
      const image = world.images.patched
      const run = await world.run({
        image: image.ref,
        steps: 'scan,gate,sign,attest',
        attestations: 'vuln,sbom',
        ...signingInputs()
      })
      expect(errorLines(run)).toEqual([])
      expect(run.exitCode).toBe(0)
      const files = sbomFiles(run)
      expect(files).toHaveLength(1)
      const bom = JSON.parse(readFileSync(files[0] as string, 'utf8')) as unknown
      expect(sbomPackages(bom)).toEqual(names(IMAGE_PACKAGES.patched))
      const ref = `${world.registry.host}/${image.repository}@${image.pushed.digest}`
      const sbom = await verifyAttestation(world, ref, keys.publicKeyFile, 'cyclonedx')
      expect(sbom.exitCode).toBe(0)
      expect(sbomPackages(sbom.statements[0]?.predicate)).toEqual(names(IMAGE_PACKAGES.patched))
    },
    RUN_TIMEOUT
  )
})

describe('a platform the index lacks', () => {
  it(
    'is an error naming it and the platforms the index has, before any scan',
    async () => {
      const run = await world.run({
        image: world.images.multi.ref,
        steps: 'scan,gate',
        platforms: 'linux/amd64\nlinux/s390x'
      })
      expect(run.exitCode).toBe(1)
      const errors = errorLines(run).join('\n')
      expect(errors).toContain('linux/s390x')
      expect(errors).toContain('linux/arm64')
      expect(run.stdout).not.toContain('Detecting vulnerabilities')
      expect(run.outputs['platforms'] ?? '').not.toContain('linux/amd64')
    },
    RUN_TIMEOUT
  )
})
