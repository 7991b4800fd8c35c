// The bundled action with the real trivy and cosign (built from their Go modules) against a real
// registry, fully offline: trivy downloads this project's own DB from the loopback registry, and
// every expectation is computed from the advisories and the images' package lists.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  expectedCounts,
  expectedFindings,
  IMAGE_PACKAGES,
  type ExpectedFinding
} from '../harness/real/alpine-images.js'
import { getManifest, listTags } from '../harness/real/oci-push.js'
import { startRealWorld, type RealWorld } from '../harness/real/world.js'
import { cleanupRuns, errorLines, type ActionRun } from '../harness/runner.js'
import { sarifSchemaErrors } from '../harness/sarif-schema.js'

const PASSWORD = 'correct horse battery staple'
const RUN_TIMEOUT = 240_000

let world: RealWorld
let keys: { privateKey: string; publicKeyFile: string }
let otherPublicKeyFile: string

/** A key pair made by the real `cosign generate-key-pair`. */
async function generateKeyPair(password: string): Promise<{ dir: string; privateKey: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'imgsec-real-keys-'))
  const result = await world.cosign(['generate-key-pair'], {
    cwd: dir,
    env: { COSIGN_PASSWORD: password }
  })
  expect(result).toMatchObject({ exitCode: 0 })
  return { dir, privateKey: readFileSync(join(dir, 'cosign.key'), 'utf8') }
}

beforeAll(async () => {
  world = await startRealWorld()
  const signing = await generateKeyPair(PASSWORD)
  keys = { privateKey: signing.privateKey, publicKeyFile: join(signing.dir, 'cosign.pub') }
  otherPublicKeyFile = join((await generateKeyPair('other')).dir, 'cosign.pub')
}, 300_000)
afterAll(async () => {
  await world?.stop()
  cleanupRuns()
})

const pinned = (image: keyof RealWorld['images'], platform = 'linux/amd64'): string => {
  const { registry, images } = world
  const entry = images[image]
  const digest = image === 'multi' ? entry.pushed.platformDigests[platform] : entry.pushed.digest
  return `${registry.host}/${entry.repository}@${digest}`
}

function findingsOf(image: 'patched' | 'vulnerable' | 'clean', ignoreUnfixed = false) {
  return expectedFindings(IMAGE_PACKAGES[image], world.advisories, { ignoreUnfixed })
}

function expectCounts(run: ActionRun, findings: ExpectedFinding[]): void {
  const { counts, fixable } = expectedCounts(findings)
  for (const [severity, count] of Object.entries(counts)) {
    expect([severity, run.outputs[severity]]).toEqual([severity, String(count)])
  }
  const vulnerabilities = JSON.parse(run.outputs['vulnerabilities'] ?? '{}') as {
    total: number
    fixable: Record<string, number>
  }
  expect(vulnerabilities.total).toBe(findings.length)
  expect(Object.values(vulnerabilities.fixable).reduce((a, b) => a + b, 0)).toBe(fixable)
}

/** `cosign verify` / `verify-attestation` by the test itself, offline, with the public key. */
function verifyByTest(ref: string, publicKeyFile: string, attestation = false) {
  const command = attestation ? ['verify-attestation', '--type', 'vuln'] : ['verify', '-o', 'json']
  return world.cosign([...command, '--key', publicKeyFile, '--insecure-ignore-tlog', ref])
}

const signingInputs = () => ({
  'cosign-key': keys.privateKey,
  'cosign-password': PASSWORD,
  'tlog-upload': 'false'
})

describe('the seed workflow: scan, gate, sign, attest, verify with a key from cosign generate-key-pair', () => {
  let run: ActionRun
  beforeAll(async () => {
    run = await world.run({
      image: world.images.patched.ref,
      steps: 'scan,gate,sign,attest,verify',
      ...signingInputs()
    })
  }, RUN_TIMEOUT)

  it('passes every step and says so in its outputs', () => {
    expect(errorLines(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({
      gate: 'passed',
      signed: 'true',
      attested: 'true',
      verified: 'true',
      'image-ref': pinned('patched')
    })
    expectCounts(run, findingsOf('patched'))
  })

  it('leaves a signature that the real cosign verify accepts on the scanned digest', async () => {
    const result = await verifyByTest(pinned('patched'), keys.publicKeyFile)
    expect(result.stderr).not.toMatch(/Error/)
    expect(result.exitCode).toBe(0)
    const claims = JSON.parse(result.stdout) as Array<{
      critical: { image: { 'docker-manifest-digest': string } }
    }>
    expect(claims.map((c) => c.critical.image['docker-manifest-digest'])).toContain(
      world.images.patched.pushed.digest
    )
  })

  it('leaves a vuln attestation of this very scan that cosign verify-attestation accepts', async () => {
    const result = await verifyByTest(pinned('patched'), keys.publicKeyFile, true)
    expect(result.exitCode).toBe(0)
    const envelope = JSON.parse(result.stdout.trim().split('\n')[0] ?? '{}') as {
      payload: string
    }
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as {
      predicateType: string
      subject: Array<{ digest: { sha256: string } }>
      predicate: { scanner: { result: { Results?: Array<{ Vulnerabilities?: unknown[] }> } } }
    }
    expect(statement.predicateType).toBe('https://cosign.sigstore.dev/attestation/vuln/v1')
    expect(`sha256:${statement.subject[0]?.digest.sha256}`).toBe(world.images.patched.pushed.digest)
    const attested = (statement.predicate.scanner.result.Results ?? []).flatMap(
      (r) => r.Vulnerabilities ?? []
    )
    expect(attested).toHaveLength(findingsOf('patched').length)
  })

  it('names in signature-ref the Sigstore bundle that the registry really holds for the digest', async () => {
    const { registry, images } = world
    const prefix = `${registry.host}/${images.patched.repository}@`
    const ref = run.outputs['signature-ref'] ?? ''
    expect(ref.startsWith(prefix)).toBe(true)
    const manifest = await getManifest(
      registry,
      images.patched.repository,
      ref.slice(prefix.length)
    )
    expect(manifest).toMatchObject({
      artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      subject: { digest: images.patched.pushed.digest },
      annotations: { 'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1' }
    })
    expect(manifest?.layers?.map((l) => l.mediaType)).toEqual([
      'application/vnd.dev.sigstore.bundle.v0.3+json'
    ])
  })
})

describe('a failing gate', () => {
  let run: ActionRun
  beforeAll(async () => {
    run = await world.run({
      image: world.images.vulnerable.ref,
      steps: 'scan,gate,sign,attest',
      ...signingInputs()
    })
  }, RUN_TIMEOUT)

  it('fails the step and signs nothing', async () => {
    expect(run.exitCode).toBe(1)
    expect(run.outputs).toMatchObject({ gate: 'failed', signed: 'false', attested: 'false' })
    const result = await verifyByTest(pinned('vulnerable'), keys.publicKeyFile)
    expect(result.exitCode).not.toBe(0)
    expect(result.stderr).toMatch(/no signatures found|no matching signatures/)
    const hex = world.images.vulnerable.pushed.digest.replace('sha256:', '')
    const tags = await listTags(world.registry, world.images.vulnerable.repository)
    expect(tags.filter((tag) => tag.includes(hex))).toEqual([])
  })

  it('reports the counts, SARIF and summary the advisories predict', () => {
    const findings = findingsOf('vulnerable')
    expectCounts(run, findings)
    const sarif = JSON.parse(readFileSync(run.outputs['sarif-file'] as string, 'utf8')) as {
      runs: Array<{ results: Array<{ ruleId: string; level: string }> }>
    }
    expect(sarifSchemaErrors(sarif)).toEqual([])
    const results = sarif.runs.flatMap((r) => r.results)
    expect(results).toHaveLength(findings.length)
    expect(new Set(results.map((r) => r.ruleId))).toEqual(new Set(findings.map((f) => f.id)))
    const { counts, fixable } = expectedCounts(findings)
    for (const [severity, count] of Object.entries(counts)) {
      const row = new RegExp(
        `\\|\\s*(\\*\\*)?${severity.toUpperCase()}(\\*\\*)?[^|]*\\|\\s*${count}\\s*\\|`
      )
      expect(run.summary).toMatch(row)
    }
    expect(run.summary).toMatch(
      new RegExp(`\\|\\s*Total\\s*\\|\\s*${findings.length}\\s*\\|\\s*${fixable}\\s*\\|`)
    )
    expect(run.summary).toContain(world.images.vulnerable.pushed.digest)
  })
})

describe('scan options read by the real trivy', () => {
  it(
    'ignore-unfixed leaves out exactly the advisories without a fixed version',
    async () => {
      const run = await world.run({
        image: world.images.vulnerable.ref,
        steps: 'scan',
        'ignore-unfixed': 'true'
      })
      expect(run.exitCode).toBe(0)
      expectCounts(run, findingsOf('vulnerable', true))
    },
    RUN_TIMEOUT
  )

  it(
    'downloads the DB from trivy-db-repository once, then the cache in RUNNER_TEMP skips it',
    async () => {
      const runnerTemp = mkdtempSync(join(tmpdir(), 'imgsec-real-temp-'))
      const scan = { image: world.images.clean.ref, steps: 'scan' }
      const first = await world.run(scan, { runnerTemp })
      const second = await world.run(scan, { runnerTemp })
      expect([first.exitCode, second.exitCode]).toEqual([0, 0])
      const downloading = `Downloading artifact...\trepo="${world.dbRepository}"`
      expect(first.stdout).toContain(downloading)
      expect(second.stdout).not.toContain(downloading)
      expect(second.stdout).not.toContain('Need to update DB')
    },
    2 * RUN_TIMEOUT
  )

  it(
    'a clean image has no findings and passes the strictest gate',
    async () => {
      const run = await world.run({ image: world.images.clean.ref, 'fail-on': 'unknown' })
      expect(run.exitCode).toBe(0)
      expect(run.outputs['gate']).toBe('passed')
      expectCounts(run, [])
    },
    RUN_TIMEOUT
  )

  it(
    'each platform of a multi-platform image chosen alone is scanned for what it contains',
    async () => {
      for (const platform of ['linux/amd64', 'linux/arm64'] as const) {
        const run = await world.run({
          image: world.images.multi.ref,
          steps: 'scan',
          platforms: platform
        })
        expect([platform, run.exitCode]).toEqual([platform, 0])
        const packages = world.images.multi.packages[platform] ?? []
        expectCounts(run, expectedFindings(packages, world.advisories))
      }
    },
    2 * RUN_TIMEOUT
  )
})

describe('a multi-platform index', () => {
  it(
    'is not signed on one platform’s scan: the arm64 image (criticals) is scanned too and fails the gate',
    async () => {
      // linux/amd64 (patched) passes at critical; linux/arm64 (vulnerable) does not.
      const run = await world.run({
        image: world.images.multi.ref,
        steps: 'scan,gate,sign,attest',
        'fail-on': 'critical',
        recursive: 'true',
        ...signingInputs()
      })
      expect(run.exitCode).toBe(1)
      expect(run.outputs).toMatchObject({ gate: 'failed', signed: 'false', attested: 'false' })
      expect(errorLines(run).join('\n')).toMatch(/linux\/arm64/)
      const { registry, images } = world
      const index = `${registry.host}/${images.multi.repository}@${images.multi.pushed.digest}`
      for (const ref of [index, pinned('multi', 'linux/arm64'), pinned('multi', 'linux/amd64')]) {
        const verify = await verifyByTest(ref, keys.publicKeyFile)
        expect([ref, verify.exitCode]).not.toEqual([ref, 0])
      }
    },
    RUN_TIMEOUT
  )
})

describe('sign options read by the real cosign', () => {
  it(
    'annotations reach the signature: cosign verify -a finds them, and not others',
    async () => {
      const run = await world.run({
        image: world.images.clean.ref,
        steps: 'scan,gate,sign',
        annotations: 'team=platform\nrelease=1.0',
        ...signingInputs()
      })
      expect(errorLines(run)).toEqual([])
      expect(run.outputs['signed']).toBe('true')
      const verify = (annotation: string) =>
        world.cosign([
          'verify',
          '--key',
          keys.publicKeyFile,
          '--insecure-ignore-tlog',
          '-a',
          annotation,
          pinned('clean')
        ])
      expect((await verify('release=1.0')).exitCode).toBe(0)
      expect((await verify('release=2.0')).exitCode).not.toBe(0)
    },
    RUN_TIMEOUT
  )
})

describe('verify', () => {
  it(
    'refuses an image signed with another key: verified=false and a message naming the key',
    async () => {
      const run = await world.run({
        image: world.images.patched.ref,
        steps: 'verify',
        'cosign-public-key': readFileSync(otherPublicKeyFile, 'utf8'),
        'tlog-upload': 'false'
      })
      expect(run.exitCode).toBe(1)
      expect(run.outputs['verified']).toBe('false')
      expect(errorLines(run).join('\n')).toMatch(/no valid signature by key/)
    },
    RUN_TIMEOUT
  )

  it(
    'does not take an attestation for a signature: a digest attested but never signed is not verified',
    async () => {
      const image = await world.push('attested-only', { 'linux/amd64': IMAGE_PACKAGES.clean })
      const ref = `${world.registry.host}/${image.repository}@${image.pushed.digest}`
      const attest = await world.run({ image: image.ref, steps: 'scan,attest', ...signingInputs() })
      expect(attest.outputs).toMatchObject({ attested: 'true', signed: 'false' })
      // The trap: cosign 3 itself lists the attestation's bundle as a claim and exits 0.
      expect((await verifyByTest(ref, keys.publicKeyFile)).exitCode).toBe(0)
      const run = await world.run({
        image: image.ref,
        steps: 'verify',
        'cosign-public-key': readFileSync(keys.publicKeyFile, 'utf8'),
        'tlog-upload': 'false'
      })
      expect(run.exitCode).toBe(1)
      expect(run.outputs['verified']).toBe('false')
    },
    2 * RUN_TIMEOUT
  )
})
