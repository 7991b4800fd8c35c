// Release then deploy with the real trivy and cosign (keyed, offline): the deploy job
// (`steps: verify`) passes on the release's fresh signature, vuln and SBOM attestations, and
// refuses, with verified=false and the reason, evidence signed by another key, an SBOM attestation
// that is not there, a scan older than max-scan-age, and attested findings at or above fail-on.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expectedCounts, expectedFindings, IMAGE_PACKAGES } from '../harness/real/alpine-images.js'
import { startRealWorld, type RealWorld } from '../harness/real/world.js'
import { cleanupRuns, errorLines, type ActionRun } from '../harness/runner.js'

const PASSWORD = 'evidence release key'
const RUN_TIMEOUT = 240_000

let world: RealWorld
let release: { keyFile: string; privateKey: string; publicKeyFile: string }
let otherPublicKeyFile: string

async function generateKeyPair(password: string) {
  const dir = mkdtempSync(join(tmpdir(), 'imgsec-real-evidence-keys-'))
  const result = await world.cosign(['generate-key-pair'], {
    cwd: dir,
    env: { COSIGN_PASSWORD: password }
  })
  expect(result).toMatchObject({ exitCode: 0 })
  const keyFile = join(dir, 'cosign.key')
  return {
    keyFile,
    privateKey: readFileSync(keyFile, 'utf8'),
    publicKeyFile: join(dir, 'cosign.pub')
  }
}

beforeAll(async () => {
  world = await startRealWorld()
  release = await generateKeyPair(PASSWORD)
  otherPublicKeyFile = (await generateKeyPair('other')).publicKeyFile
}, 300_000)
afterAll(async () => {
  await world?.stop()
  cleanupRuns()
})

const signing = () => ({
  'cosign-key': release.privateKey,
  'cosign-password': PASSWORD,
  'tlog-upload': 'false'
})

const deploy = (image: string, extra: Record<string, string>): Promise<ActionRun> =>
  world.run({
    image,
    steps: 'verify',
    'cosign-public-key': readFileSync(release.publicKeyFile, 'utf8'),
    'tlog-upload': 'false',
    ...extra
  })

interface Check {
  image: string
  check: string
  passed: boolean
  detail: string
}
const checks = (run: ActionRun): Check[] =>
  JSON.parse(run.outputs['verification'] || '[]') as Check[]
const failedChecks = (run: ActionRun): Check[] => checks(run).filter((check) => !check.passed)

describe('a release of the patched image with vuln and SBOM attestations, then deploys', () => {
  beforeAll(async () => {
    const run = await world.run({
      image: world.images.patched.ref,
      steps: 'scan,gate,sign,attest',
      attestations: 'vuln,sbom',
      ...signing()
    })
    expect(errorLines(run)).toEqual([])
    expect(run.outputs).toMatchObject({ gate: 'passed', signed: 'true', attested: 'true' })
  }, RUN_TIMEOUT)

  it(
    'passes on the fresh signature, vuln and SBOM attestations by the release key',
    async () => {
      const run = await deploy(world.images.patched.ref, {
        'verify-attestations': 'vuln,sbom',
        'max-scan-age': '1h',
        'fail-on': 'high'
      })
      expect(errorLines(run)).toEqual([])
      expect(run.exitCode).toBe(0)
      expect(run.outputs['verified']).toBe('true')
      expect(failedChecks(run)).toEqual([])
      const names = new Set(checks(run).map((check) => check.check))
      for (const check of [
        'signature',
        'vuln attestation',
        'sbom attestation',
        'sbom content',
        'scan age',
        'attested findings'
      ]) {
        expect([check, names.has(check)]).toEqual([check, true])
      }
    },
    RUN_TIMEOUT
  )

  it(
    'fails on evidence signed by another key',
    async () => {
      const run = await deploy(world.images.patched.ref, {
        'verify-attestations': 'vuln,sbom',
        'cosign-public-key': readFileSync(otherPublicKeyFile, 'utf8')
      })
      expect(run.exitCode).toBe(1)
      expect(run.outputs['verified']).toBe('false')
      expect(failedChecks(run).map((check) => check.check)).toContain('signature')
      expect(errorLines(run).join('\n')).toMatch(/no valid signature by key/)
    },
    RUN_TIMEOUT
  )
})

describe('a release of the clean image signed without attestations', () => {
  let pinned: string
  beforeAll(async () => {
    const run = await world.run({
      image: world.images.clean.ref,
      steps: 'scan,gate,sign',
      ...signing()
    })
    expect(run.outputs['signed']).toBe('true')
    pinned = run.outputs['image-ref'] ?? ''
  }, RUN_TIMEOUT)

  it(
    'fails a deploy that requires an SBOM attestation, naming it',
    async () => {
      const run = await deploy(world.images.clean.ref, { 'verify-attestations': 'sbom' })
      expect(run.exitCode).toBe(1)
      expect(run.outputs['verified']).toBe('false')
      expect(failedChecks(run).map((check) => check.check)).toEqual(['sbom attestation'])
      expect(errorLines(run).join('\n')).toMatch(/no valid sbom attestation by key/)
    },
    RUN_TIMEOUT
  )

  it(
    'fails on a vuln attestation whose scan is older than max-scan-age, naming its age',
    async () => {
      // The only vuln attestation: a scan of 9 days and 4 hours ago, signed with the release key.
      const then = new Date(Date.now() - 9 * 86_400_000 - 4 * 3_600_000).toISOString()
      const predicate = join(mkdtempSync(join(tmpdir(), 'imgsec-real-stale-')), 'vuln.json')
      const report = { SchemaVersion: 2, CreatedAt: then, ArtifactName: world.images.clean.ref }
      writeFileSync(
        predicate,
        JSON.stringify({
          invocation: { parameters: null, uri: '', event_id: '', 'builder.id': '' },
          scanner: {
            uri: 'pkg:github/aquasecurity/trivy@0.74.0',
            version: '0.74.0',
            db: { uri: '', version: '' },
            result: { ...report, Results: [] }
          },
          metadata: { scanStartedOn: then, scanFinishedOn: then }
        })
      )
      const attest = await world.cosign(
        [
          'attest',
          '--yes',
          '--key',
          release.keyFile,
          '--use-signing-config=false',
          '--tlog-upload=false',
          '--type',
          'vuln',
          '--predicate',
          predicate,
          pinned
        ],
        { env: { COSIGN_PASSWORD: PASSWORD } }
      )
      expect(attest.exitCode).toBe(0)
      const run = await deploy(world.images.clean.ref, {
        'verify-attestations': 'vuln',
        'max-scan-age': '7d'
      })
      expect(run.exitCode).toBe(1)
      expect(run.outputs['verified']).toBe('false')
      expect(failedChecks(run).map((check) => [check.check, check.detail])).toEqual([
        [
          'scan age',
          expect.stringMatching(/^scanned 9 d 4 h ago \(.*\), longer ago than max-scan-age \(7d\)$/)
        ]
      ])
      expect(errorLines(run).join('\n')).toMatch(/scanned 9 d 4 h ago/)
    },
    RUN_TIMEOUT
  )
})

describe('a release that gated with fail-on: none, then a deploy with fail-on: high', () => {
  it(
    'refuses the image on the findings its signed scan lists',
    async () => {
      const released = await world.run({
        image: world.images.vulnerable.ref,
        steps: 'scan,gate,sign,attest',
        'fail-on': 'none',
        ...signing()
      })
      expect(released.outputs).toMatchObject({ gate: 'passed', attested: 'true' })
      const run = await deploy(world.images.vulnerable.ref, {
        'verify-attestations': 'vuln',
        'fail-on': 'high'
      })
      expect(run.exitCode).toBe(1)
      expect(run.outputs['verified']).toBe('false')
      // What the advisories predict for the vulnerable image's packages, at or above high.
      const { counts } = expectedCounts(
        expectedFindings(IMAGE_PACKAGES.vulnerable, world.advisories)
      )
      const failing = (['critical', 'high'] as const)
        .filter((severity) => counts[severity] > 0)
        .map((severity) => `${counts[severity]} ${severity}`)
        .join(', ')
      expect(failing).not.toBe('')
      expect(failedChecks(run).map((check) => [check.check, check.detail])).toEqual([
        ['attested findings', `attested findings at or above fail-on high: ${failing}`]
      ])
    },
    RUN_TIMEOUT * 2
  )
})
