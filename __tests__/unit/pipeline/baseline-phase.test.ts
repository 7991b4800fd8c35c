// The baseline as the gate gets it: baseline-image resolved, its vuln attestation verified per
// platform (the same platform; linux/arm64 is linux/arm64/v8) by the inputs' key or identity only,
// its findings kept per scanned platform. A baseline that cannot be reached, lacks a platform or
// cannot be verified is one warning naming it (and the platform when there are several), and that
// platform has no baseline. The registry credentials of the inputs go only to the image's registry.
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RunState } from '../../../src/pipeline/run-state.js'
import type { CosignImage, CosignTool } from '../../../src/cosign/commands.js'
import type { DigestVerification } from '../../../src/cosign/verify.js'
import type { RegistryCredentials } from '../../../src/registry/credentials.js'
import type { ImageRef, PlatformImage, ResolvedImage } from '../../../src/types.js'
import {
  finding,
  PLATFORMS,
  platformTarget,
  runState,
  scannedIndex,
  scanned,
  TARGET
} from './run-state-fixture.js'

const warning = jest.fn()
jest.unstable_mockModule('@actions/core', () => ({
  info: jest.fn(),
  warning,
  group: (_title: string, work: () => Promise<unknown>) => work()
}))
const resolveImage = jest.fn(
  async (_ref: ImageRef, _credentials?: RegistryCredentials): Promise<ResolvedImage> => baseline
)
jest.unstable_mockModule('../../../src/registry/resolve.js', () => ({ resolveImage }))
const writeDockerConfig = jest.fn(
  (dir: string, registry: string, _credentials: RegistryCredentials) => `${dir}/docker-${registry}`
)
jest.unstable_mockModule('../../../src/registry/credentials.js', () => ({ writeDockerConfig }))
jest.unstable_mockModule('../../../src/secure-fs/private-dir.js', () => ({
  privateTempDir: () => '/private'
}))

const PREDICATE = JSON.parse(
  readFileSync(
    join(
      import.meta.dirname,
      '..',
      '..',
      'fixtures',
      'trivy-predicates',
      'alpine-39.cosign-vuln.json'
    ),
    'utf8'
  )
) as unknown
/** Digests whose vuln attestation does not verify. */
let unverifiable = new Set<string>()
const verifyImage = jest.fn(
  async (
    _tool: CosignTool,
    image: CosignImage,
    _spec: unknown,
    _options: unknown
  ): Promise<DigestVerification> => {
    const bad = unverifiable.has(image.digest)
    return {
      verified: !bad,
      checks: [
        {
          check: 'vuln attestation',
          passed: !bad,
          detail: bad ? 'no valid vuln attestation by key SHA256:k' : 'ok'
        }
      ],
      signer: { kind: 'key', fingerprint: 'SHA256:k', keySource: 'cosign-public-key' },
      predicates: bad ? {} : { vuln: [PREDICATE] }
    }
  }
)
const verifySpec = jest.fn((..._args: unknown[]) => ({ policy: { kind: 'key', keyRef: 'k' } }))
jest.unstable_mockModule('../../../src/cosign/verify.js', () => ({ verifyImage, verifySpec }))

const { readBaseline } = await import('../../../src/pipeline/baseline-phase.js')
const { collectFindings } = await import('../../../src/findings/findings.js')
const { parseReport } = await import('../../../src/trivy/report.js')

const ALPINE = collectFindings(
  parseReport(
    readFileSync(
      join(import.meta.dirname, '..', '..', 'fixtures', 'trivy', 'alpine-39.json'),
      'utf8'
    )
  )
)
const BASE_REF: ImageRef = { registry: 'ghcr.io', repository: 'acme/api', tag: 'main' }
const digestOf = (c: string) => `sha256:${c.repeat(64)}`
function baselineImage(platformImages: PlatformImage[], ref = BASE_REF): ResolvedImage {
  const name = `${ref.registry}/${ref.repository}`
  return {
    ref,
    name,
    digest: digestOf('e'),
    pinnedRef: `${name}@${digestOf('e')}`,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    isIndex: platformImages.length > 1,
    platformImages
  }
}
let baseline: ResolvedImage
const CREDENTIALS = { username: 'ci', password: 'registry-secret' }

function withInputs(state: RunState, ref: ImageRef = BASE_REF): RunState {
  Object.assign(state.inputs, {
    baselineImage: ref,
    registryCredentials: CREDENTIALS,
    cosignPublicKey: { kind: 'path', path: '/keys/cosign.pub' },
    certificateOidcIssuer: 'https://token.actions.githubusercontent.com',
    tlogUpload: true
  })
  state.tools = { cosign: { path: '/bin/cosign', version: '3.0.6' } } as never
  return state
}
const verifiedRefs = () => verifyImage.mock.calls.map(([, image]) => image.pinnedRef)
/** The baseline findings kept for the scanned target of a platform (a Map keyed by the target). */
const baselineOf = (run: RunState, platform: string) =>
  run.baseline?.findings.get(
    run.scans?.find((s) => s.target.platform === platform)?.target as never
  )
const warnings = () => warning.mock.calls.map(([message]) => String(message))

beforeEach(() => {
  warning.mockClear()
  resolveImage.mockClear()
  verifyImage.mockClear()
  verifySpec.mockClear()
  writeDockerConfig.mockClear()
  unverifiable = new Set()
  baseline = baselineImage([
    { platform: 'linux/amd64', digest: digestOf('1') },
    { platform: 'linux/arm64/v8', digest: digestOf('2') },
    { platform: 'linux/arm/v7', digest: digestOf('3') }
  ])
})

describe('readBaseline', () => {
  it("verifies each platform's vuln attestation on the same platform, by the inputs only", async () => {
    const run = withInputs(scannedIndex(runState(['scan', 'gate']), [[], [], []]))
    await readBaseline(run)
    expect(verifiedRefs()).toEqual([1, 2, 3].map((c) => `ghcr.io/acme/api@${digestOf(String(c))}`))
    expect(verifyImage.mock.calls[0]?.[3]).toEqual({
      tlogUpload: true,
      signature: false,
      attestations: ['vuln']
    })
    // No signer of this run: only cosign-public-key or the identity inputs can vouch for it.
    expect(verifySpec.mock.calls[0]).toEqual([
      {
        publicKey: { kind: 'path', path: '/keys/cosign.pub' },
        certificateIdentity: undefined,
        certificateIdentityRegexp: undefined,
        certificateOidcIssuer: 'https://token.actions.githubusercontent.com',
        tlogUpload: true
      }
    ])
    for (const platform of PLATFORMS) {
      expect(baselineOf(run, platform)).toEqual(ALPINE)
    }
    expect(run.baseline).toMatchObject({ image: 'ghcr.io/acme/api:main', unusable: [] })
    expect(warnings()).toEqual([])
  })

  it('matches linux/arm64 with linux/arm64/v8', async () => {
    const run = withInputs(scannedIndex(runState(['scan', 'gate']), [[], []]))
    run.plan!.targets[1]!.platform = 'linux/arm64'
    baseline = baselineImage([
      { platform: 'linux/amd64', digest: digestOf('1') },
      { platform: 'linux/arm64/v8', digest: digestOf('2') }
    ])
    await readBaseline(run)
    expect(verifiedRefs()[1]).toBe(`ghcr.io/acme/api@${digestOf('2')}`)
    expect(warnings()).toEqual([])
  })

  it("pairs an image from the daemon (no platform) with the baseline index's image for this runner", async () => {
    const run = withInputs(scannedIndex(runState(['scan', 'gate']), [[]]))
    run.plan!.targets[0]!.platform = undefined
    baseline = baselineImage([
      { platform: 'linux/amd64', digest: digestOf('1') },
      { platform: 'linux/arm64/v8', digest: digestOf('2') }
    ])
    await readBaseline(run)
    const expected = process.arch === 'arm64' ? digestOf('2') : digestOf('1')
    expect(verifiedRefs()).toEqual([`ghcr.io/acme/api@${expected}`])
    expect(warnings()).toEqual([])
  })

  it('warns once, naming the baseline and the platform, when it lacks that platform', async () => {
    baseline = baselineImage([
      { platform: 'linux/amd64', digest: digestOf('1') },
      { platform: 'linux/arm64/v8', digest: digestOf('2') }
    ])
    const run = withInputs(scannedIndex(runState(['scan', 'gate']), [[], [], []]))
    await readBaseline(run)
    expect(warnings()).toEqual([
      'baseline-image ghcr.io/acme/api:main was not used for linux/arm/v7: it has no linux/arm/v7 ' +
        'image; every finding counts'
    ])
    expect(baselineOf(run, 'linux/arm/v7')).toBeUndefined()
    expect(baselineOf(run, 'linux/amd64')).toEqual(ALPINE)
    expect(run.baseline?.unusable).toEqual(warnings())
  })

  it('warns once and uses no baseline when it cannot be reached', async () => {
    resolveImage.mockRejectedValueOnce(new Error('ghcr.io/acme/api:main: manifest unknown'))
    const run = withInputs(scannedIndex(runState(['scan', 'gate']), [[], [], []]))
    await readBaseline(run)
    expect(warnings()).toHaveLength(1)
    expect(warnings()[0]).toMatch(
      /^baseline-image ghcr\.io\/acme\/api:main was not used: .*manifest unknown.*; every finding counts$/
    )
    expect(run.baseline?.findings.size).toBe(0)
    expect(verifyImage).not.toHaveBeenCalled()
  })

  it('warns for the platform whose attestation cannot be verified; the others keep theirs', async () => {
    unverifiable = new Set([digestOf('2')])
    const run = withInputs(scannedIndex(runState(['scan', 'gate']), [[], [], []]))
    await readBaseline(run)
    expect(warnings()).toEqual([
      'baseline-image ghcr.io/acme/api:main was not used for linux/arm64: its vuln attestation ' +
        'could not be verified (no valid vuln attestation by key SHA256:k); every finding counts'
    ])
    expect([...(run.baseline?.findings.keys() ?? [])]).toEqual([
      platformTarget('linux/amd64'),
      platformTarget('linux/arm/v7')
    ])
  })

  it('names no platform for a single image', async () => {
    unverifiable = new Set([digestOf('1')])
    baseline = baselineImage([{ platform: 'linux/amd64', digest: digestOf('1') }])
    const run = withInputs(scanned(runState(['scan', 'gate']), [finding('CVE-1', 'HIGH')]))
    await readBaseline(run)
    expect(warnings()).toEqual([
      'baseline-image ghcr.io/acme/api:main was not used: its vuln attestation could not be ' +
        'verified (no valid vuln attestation by key SHA256:k); every finding counts'
    ])
    expect(run.baseline?.findings.has(TARGET)).toBe(false)
  })
})

describe('registry credentials', () => {
  it("go to the baseline's registry when it is the image's", async () => {
    const run = withInputs(scanned(runState(['scan', 'gate']), []))
    baseline = baselineImage([{ platform: 'linux/amd64', digest: digestOf('1') }])
    await readBaseline(run)
    expect(resolveImage.mock.calls[0]).toEqual([BASE_REF, CREDENTIALS])
    expect(writeDockerConfig).toHaveBeenCalledWith('/private', 'ghcr.io', CREDENTIALS)
    expect(verifyImage.mock.calls[0]?.[0].env).toEqual({ DOCKER_CONFIG: '/private/docker-ghcr.io' })
  })

  it('never go to a baseline on another registry', async () => {
    const other: ImageRef = {
      registry: 'registry.example.com',
      repository: 'acme/api',
      tag: 'main'
    }
    const run = withInputs(scanned(runState(['scan', 'gate']), []), other)
    baseline = baselineImage([{ platform: 'linux/amd64', digest: digestOf('1') }], other)
    await readBaseline(run)
    expect(resolveImage.mock.calls[0]).toEqual([other, undefined])
    expect(writeDockerConfig).not.toHaveBeenCalled()
    const tool = verifyImage.mock.calls[0]?.[0]
    expect(tool?.env).toBeUndefined()
    expect(tool?.inherit).toEqual(['DOCKER_CONFIG'])
  })
})
