// The rules that span inputs, each by its name: a combination that breaks it is refused naming the
// input to change, and the default inputs (scan and gate) break none of them.
import { describe, expect, it } from '@jest/globals'
import { checkCombinations, COMBINATION_RULES } from '../../../src/inputs/combinations.js'
import type { Inputs } from '../../../src/inputs/inputs.js'
import type { Step } from '../../../src/types.js'

const BASE: Inputs = {
  image: { registry: 'ghcr.io', repository: 'org/app', tag: '1.0' },
  steps: new Set<Step>(['scan', 'gate']),
  failOn: 'HIGH',
  ignoreUnfixed: false,
  vex: [],
  scanners: ['vuln'],
  platforms: { kind: 'all' },
  attestations: ['vuln'],
  imageSource: { kind: 'registry' },
  trivy: { version: '0.74.0' },
  cosign: { version: '3.0.6' },
  downloadBaseUrl: 'https://github.com',
  trivyDbRepositories: [],
  cacheDb: true,
  dbMaxAge: { text: '7d', ms: 7 * 86_400_000 },
  certificateOidcIssuer: 'https://token.actions.githubusercontent.com',
  verifyAttestations: [],
  annotations: [],
  recursive: false,
  tlogUpload: true,
  sarifFile: '/ws/imgsec-results.sarif',
  sarifCategory: 'imgsec/ghcr.io/org/app',
  uploadSarif: false,
  summary: true,
  annotate: true,
  comment: false,
  githubToken: '',
  workspace: '/ws'
}

const steps = (...names: Step[]): ReadonlySet<Step> => new Set(names)
const KEY = { kind: 'path', path: '/ws/cosign.key' } as const
const PUB = { kind: 'path', path: '/ws/cosign.pub' } as const
const MAIN = { registry: 'ghcr.io', repository: 'org/app', tag: 'main' }

/** For each rule: inputs that break it, and the input its refusal must name. */
const BROKEN: Record<string, { inputs: Partial<Inputs>; names: string; says: RegExp }> = {
  'gate and attest need scan': {
    inputs: { steps: steps('gate') },
    names: 'steps',
    says: /needs 'scan'/
  },
  'sign needs scan and gate': {
    inputs: { steps: steps('scan', 'sign') },
    names: 'steps',
    says: /only a digest that was scanned and passed the gate is signed/
  },
  'sign, attest and verify need a registry image': {
    inputs: { steps: steps('verify'), imageSource: { kind: 'docker' }, cosignPublicKey: PUB },
    names: 'image-source',
    says: /must be registry when steps include verify/
  },
  'one identity input at a time': {
    inputs: { certificateIdentity: 'a', certificateIdentityRegexp: 'b' },
    names: 'certificate-identity-regexp',
    says: /give one of them/
  },
  'a public key or an identity, not both': {
    inputs: { cosignPublicKey: PUB, certificateIdentityRegexp: 'b' },
    names: 'cosign-public-key',
    says: /together with certificate-identity-regexp/
  },
  'verify alone needs a key or an identity': {
    inputs: { steps: steps('verify') },
    names: 'cosign-public-key',
    says: /is needed to verify without sign/
  },
  'a keyless signature is not verified by a key': {
    inputs: { steps: steps('scan', 'gate', 'sign', 'verify'), cosignPublicKey: PUB },
    names: 'cosign-public-key',
    says: /cannot verify the keyless signature/
  },
  'a keyed signature is not verified by an identity': {
    inputs: {
      steps: steps('scan', 'gate', 'sign', 'verify'),
      cosignKey: KEY,
      certificateIdentity: 'https://github.com/o/r/.github/workflows/r.yml@refs/heads/main'
    },
    names: 'certificate-identity',
    says: /cannot verify the keyed signature/
  },
  'cosign-password needs cosign-key': {
    inputs: { cosignPassword: 'pw' },
    names: 'cosign-password',
    says: /without cosign-key/
  },
  'several platforms need a registry image': {
    inputs: {
      platforms: { kind: 'list', platforms: ['linux/amd64', 'linux/arm64'] },
      imageSource: { kind: 'tarball', path: '/ws/image.tar' }
    },
    names: 'platforms',
    says: /can list one platform only with image-source tarball: several platform images are read from a registry index/
  },
  'verify-attestations need verify': {
    inputs: { verifyAttestations: ['vuln', 'sbom'] },
    names: 'verify-attestations',
    says: /lists vuln, sbom, but steps do not include verify/
  },
  'max-scan-age needs a vuln attestation to verify': {
    inputs: {
      steps: steps('verify'),
      cosignPublicKey: PUB,
      verifyAttestations: ['sbom'],
      maxScanAge: { text: '7d', ms: 7 * 86_400_000 }
    },
    names: 'max-scan-age',
    says: /add verify to steps and vuln to verify-attestations/
  },
  'baseline-image needs findings to compare': {
    inputs: { steps: steps('verify'), cosignPublicKey: PUB, baselineImage: MAIN },
    names: 'baseline-image',
    says: /needs scan in steps/
  },
  'baseline-image needs a key or an identity': {
    inputs: { baselineImage: MAIN },
    names: 'baseline-image',
    says: /baseline's vuln attestation is verified before its findings are excused/
  },
  'the baseline is another image': {
    inputs: { baselineImage: { ...BASE.image }, cosignPublicKey: PUB },
    names: 'baseline-image',
    says: /names the image itself/
  },
  'upload-sarif needs github-token': {
    inputs: { uploadSarif: true },
    names: 'github-token',
    says: /upload-sarif is true/
  },
  'comment needs github-token': {
    inputs: { comment: true },
    names: 'github-token',
    says: /comment is true.*pull-requests: write/
  }
}

describe('the rules that span inputs', () => {
  it('are each tested here by name', () => {
    expect(COMBINATION_RULES.map((rule) => rule.name).sort()).toEqual(Object.keys(BROKEN).sort())
  })

  it('let the defaults through', () => {
    expect(() => checkCombinations(BASE)).not.toThrow()
    for (const rule of COMBINATION_RULES) expect(rule.check(BASE)).toBeUndefined()
  })

  it.each(COMBINATION_RULES.map((rule) => [rule.name, rule] as const))('%s', (name, rule) => {
    const broken = BROKEN[name]
    expect(broken).toBeDefined()
    const inputs = { ...BASE, ...broken?.inputs }
    const refusal = rule.check(inputs)
    expect(refusal?.message).toMatch(new RegExp(`^Input '${broken?.names}': `))
    expect(refusal?.message).toMatch(broken?.says ?? /never/)
    // checkCombinations reports that rule (or one checked before it) for the same inputs.
    expect(() => checkCombinations(inputs)).toThrow(/^Input '/)
  })
})
