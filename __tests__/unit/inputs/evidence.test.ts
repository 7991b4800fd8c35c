// The evidence inputs as a user meets them: verify-attestations (and its default from the same
// run's attest), max-scan-age and baseline-image read from INPUT_*, or refused with one line naming
// the input, before anything is downloaded.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InputError } from '../../../src/errors.js'
import { getInputs } from '../../../src/inputs/get-inputs.js'

let workspace: string

beforeEach(() => {
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key]
  workspace = mkdtempSync(join(tmpdir(), 'imgsec-evidence-ws-'))
  process.env['GITHUB_WORKSPACE'] = workspace
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
})

afterEach(() => {
  jest.restoreAllMocks()
  rmSync(workspace, { recursive: true, force: true })
})

const PUB =
  '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----'
const DEPLOY = { steps: 'verify', 'cosign-public-key': PUB }
const RELEASE = {
  steps: 'scan,gate,sign,attest,verify',
  'cosign-key': PUB.replace(/PUBLIC/g, 'PRIVATE')
}

function read(inputs: Record<string, string>) {
  for (const [name, value] of Object.entries({ image: 'ghcr.io/acme/api:1.0', ...inputs }))
    process.env[`INPUT_${name.toUpperCase()}`] = value
  return getInputs()
}

function refusal(inputs: Record<string, string>): string {
  try {
    read(inputs)
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    expect((error as Error).message).not.toMatch(/[\r\n]/)
    return (error as Error).message
  }
  throw new Error(`accepted ${JSON.stringify(inputs)}`)
}

describe('verify-attestations', () => {
  it('defaults to what attest makes in the same run when verify runs too', () => {
    expect(read(RELEASE).verifyAttestations).toEqual(['vuln'])
    expect(read({ ...RELEASE, attestations: 'sbom,vuln' }).verifyAttestations).toEqual([
      'vuln',
      'sbom'
    ])
  })

  it('defaults to none without attest in the run, and without verify', () => {
    expect(read(DEPLOY).verifyAttestations).toEqual([])
    expect(
      read({ steps: 'scan,gate,sign,attest', 'cosign-key': RELEASE['cosign-key'] })
    ).toMatchObject({ verifyAttestations: [] })
  })

  it('takes a list in any order and case, or none', () => {
    expect(read({ ...DEPLOY, 'verify-attestations': 'SBOM\nvuln' }).verifyAttestations).toEqual([
      'vuln',
      'sbom'
    ])
    expect(read({ ...RELEASE, 'verify-attestations': 'none' }).verifyAttestations).toEqual([])
  })

  it.each([
    [
      'an unknown type',
      { ...DEPLOY, 'verify-attestations': 'vuln,slsa' },
      /must list vuln, sbom.*"slsa"/
    ],
    ['none beside a type', { ...DEPLOY, 'verify-attestations': 'none,vuln' }, /"none"/],
    [
      'an entry without the verify step',
      { steps: 'scan,gate', 'verify-attestations': 'sbom' },
      /lists sbom, but steps do not include verify/
    ]
  ])('refuses %s', (_what, inputs, says) => {
    const message = refusal(inputs)
    expect(message.startsWith("Input 'verify-attestations': ")).toBe(true)
    expect(message).toMatch(says)
  })
})

describe('max-scan-age', () => {
  it('is no limit when empty, and hours or days otherwise', () => {
    expect(read(DEPLOY).maxScanAge).toBeUndefined()
    const deploy = { ...DEPLOY, 'verify-attestations': 'vuln' }
    expect(read({ ...deploy, 'max-scan-age': '24h' }).maxScanAge).toEqual({
      text: '24h',
      ms: 24 * 3_600_000
    })
    expect(read({ ...deploy, 'max-scan-age': '7d' }).maxScanAge?.ms).toBe(7 * 86_400_000)
    expect(read({ ...RELEASE, 'max-scan-age': '1h' }).maxScanAge?.text).toBe('1h')
  })

  it.each([
    [
      'a number without a unit',
      { ...DEPLOY, 'verify-attestations': 'vuln', 'max-scan-age': '7' },
      /hours or days/
    ],
    [
      'a week',
      { ...DEPLOY, 'verify-attestations': 'vuln', 'max-scan-age': '1w' },
      /hours or days.*"1w"/
    ],
    [
      'no vuln attestation to apply it to',
      { ...DEPLOY, 'max-scan-age': '7d' },
      /add verify to steps and vuln to verify-attestations/
    ],
    [
      'an sbom attestation only',
      { ...DEPLOY, 'verify-attestations': 'sbom', 'max-scan-age': '7d' },
      /vuln to verify-attestations/
    ]
  ])('refuses %s', (_what, inputs, says) => {
    const message = refusal(inputs)
    expect(message.startsWith("Input 'max-scan-age': ")).toBe(true)
    expect(message).toMatch(says)
  })
})

describe('baseline-image', () => {
  const PR = { steps: 'scan,gate', 'certificate-identity-regexp': 'https://github.com/acme/api/.*' }

  it('is an image reference, Docker Hub names normalised', () => {
    expect(read(PR).baselineImage).toBeUndefined()
    expect(read({ ...PR, 'baseline-image': 'ghcr.io/acme/api:main' }).baselineImage).toEqual({
      registry: 'ghcr.io',
      repository: 'acme/api',
      tag: 'main',
      digest: undefined
    })
    expect(read({ ...PR, 'baseline-image': 'alpine' }).baselineImage).toMatchObject({
      registry: 'docker.io',
      repository: 'library/alpine'
    })
  })

  it.each([
    [
      'not an image reference',
      { ...PR, 'baseline-image': 'ghcr.io/Acme/API:main' },
      /name\[:tag\]/
    ],
    ['a shell command', { ...PR, 'baseline-image': 'alpine;id' }, /name\[:tag\]/],
    ['two lines', { ...PR, 'baseline-image': 'alpine\nbusybox' }, /spaces or line breaks/],
    [
      'nothing to compare it with',
      { ...DEPLOY, 'baseline-image': 'ghcr.io/acme/api:main' },
      /needs scan in steps/
    ],
    [
      'a verify-only job, even one that verifies a vuln attestation',
      { ...DEPLOY, 'verify-attestations': 'vuln', 'baseline-image': 'ghcr.io/acme/api:main' },
      /needs scan in steps: the image's scan is what the baseline is compared with/
    ],
    [
      "only this run's signing key (the baseline is verified before sign runs)",
      { ...RELEASE, 'baseline-image': 'ghcr.io/acme/api:main' },
      /needs cosign-public-key, certificate-identity/
    ],
    [
      'no key or identity to verify it by',
      { steps: 'scan,gate', 'baseline-image': 'ghcr.io/acme/api:main' },
      /needs cosign-public-key, certificate-identity or certificate-identity-regexp/
    ],
    [
      'the image itself',
      { ...PR, 'baseline-image': 'ghcr.io/acme/api:1.0' },
      /names the image itself/
    ]
  ])('refuses %s', (_what, inputs, says) => {
    const message = refusal(inputs)
    expect(message.startsWith("Input 'baseline-image': ")).toBe(true)
    expect(message).toMatch(says)
  })
})
