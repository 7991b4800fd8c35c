// The rules that span several inputs (impossible step combinations, conflicting keys), as a table
// of named rules checked in order. Pure: get-inputs.ts hands over the parsed inputs.
import { InputError } from '../errors.js'
import type { Inputs } from './inputs.js'
import type { ImageRef } from '../types.js'

/** A rule that spans inputs: the refusal when `inputs` break it, else undefined. */
export interface CombinationRule {
  name: string
  check: (inputs: Inputs) => InputError | undefined
}

const identityInputName = (inputs: Inputs): string =>
  inputs.certificateIdentity ? 'certificate-identity' : 'certificate-identity-regexp'
const identityOf = (inputs: Inputs): string | undefined =>
  inputs.certificateIdentity ?? inputs.certificateIdentityRegexp
const signsAndVerifies = (inputs: Inputs): boolean =>
  inputs.steps.has('verify') && inputs.steps.has('sign')
const sameRef = (a: ImageRef, b: ImageRef): boolean =>
  a.registry === b.registry &&
  a.repository === b.repository &&
  a.tag === b.tag &&
  a.digest === b.digest

/** The rules that span inputs, in the order they are checked (the first broken one is reported). */
export const COMBINATION_RULES: readonly CombinationRule[] = [
  {
    name: 'gate and attest need scan',
    check: ({ steps }) => {
      const step = (['gate', 'attest'] as const).find((s) => steps.has(s) && !steps.has('scan'))
      return step
        ? new InputError(
            'steps',
            `'${step}' needs 'scan' in the same run: add scan or remove ${step}`
          )
        : undefined
    }
  },
  {
    // The product's promise: it never signs what it did not scan, nor what failed the gate.
    name: 'sign needs scan and gate',
    check: ({ steps }) =>
      steps.has('sign') && !(steps.has('scan') && steps.has('gate'))
        ? new InputError(
            'steps',
            `'sign' needs 'scan' and 'gate' in the same run: only a digest that was scanned and passed the gate is signed`
          )
        : undefined
  },
  {
    name: 'sign, attest and verify need a registry image',
    check: ({ steps, imageSource }) => {
      const needRegistry = (['sign', 'attest', 'verify'] as const).filter((s) => steps.has(s))
      return needRegistry.length > 0 && imageSource.kind !== 'registry'
        ? new InputError(
            'image-source',
            `must be registry when steps include ${needRegistry.join(', ')}: signatures live in the registry`
          )
        : undefined
    }
  },
  {
    // The daemon, podman and a tarball hold one platform image under a name: there is no index.
    name: 'several platforms need a registry image',
    check: ({ platforms, imageSource }) =>
      platforms.kind === 'list' && platforms.platforms.length > 1 && imageSource.kind !== 'registry'
        ? new InputError(
            'platforms',
            `can list one platform only with image-source ${imageSource.kind}: several platform images are read from a registry index`
          )
        : undefined
  },
  {
    name: 'one identity input at a time',
    check: (inputs) =>
      inputs.certificateIdentity && inputs.certificateIdentityRegexp
        ? new InputError(
            'certificate-identity-regexp',
            'cannot be given together with certificate-identity: give one of them'
          )
        : undefined
  },
  {
    name: 'a public key or an identity, not both',
    check: (inputs) =>
      inputs.cosignPublicKey && identityOf(inputs)
        ? new InputError(
            'cosign-public-key',
            `cannot be given together with ${identityInputName(inputs)}: a key verifies keyed signatures, an identity keyless ones`
          )
        : undefined
  },
  {
    name: 'verify alone needs a key or an identity',
    check: (inputs) =>
      inputs.steps.has('verify') &&
      !inputs.steps.has('sign') &&
      !inputs.cosignPublicKey &&
      !identityOf(inputs)
        ? new InputError(
            'cosign-public-key',
            'is needed to verify without sign in the same run (for keyless signatures give certificate-identity or certificate-identity-regexp instead)'
          )
        : undefined
  },
  {
    name: 'a keyless signature is not verified by a key',
    check: (inputs) =>
      signsAndVerifies(inputs) && !inputs.cosignKey && inputs.cosignPublicKey
        ? new InputError(
            'cosign-public-key',
            'cannot verify the keyless signature made by sign in the same run: remove it, or give cosign-key'
          )
        : undefined
  },
  {
    name: 'a keyed signature is not verified by an identity',
    check: (inputs) =>
      signsAndVerifies(inputs) && inputs.cosignKey && identityOf(inputs)
        ? new InputError(
            identityInputName(inputs),
            'cannot verify the keyed signature made by sign in the same run: remove it, or leave cosign-key empty'
          )
        : undefined
  },
  {
    name: 'cosign-password needs cosign-key',
    check: (inputs) =>
      inputs.cosignPassword && !inputs.cosignKey
        ? new InputError(
            'cosign-password',
            'is given without cosign-key: it is the password of that key'
          )
        : undefined
  },
  {
    name: 'verify-attestations need verify',
    check: ({ verifyAttestations, steps }) =>
      verifyAttestations.length > 0 && !steps.has('verify')
        ? new InputError(
            'verify-attestations',
            `lists ${verifyAttestations.join(', ')}, but steps do not include verify: add verify, or leave verify-attestations empty`
          )
        : undefined
  },
  {
    // Otherwise the limit would be accepted and never applied: a deploy job would believe it checked freshness.
    name: 'max-scan-age needs a vuln attestation to verify',
    check: ({ maxScanAge, verifyAttestations }) =>
      maxScanAge && !verifyAttestations.includes('vuln')
        ? new InputError(
            'max-scan-age',
            'is the age limit of the vuln attestation that verify checks: add verify to steps and vuln to verify-attestations'
          )
        : undefined
  },
  {
    // The baseline is compared with this run's scan (a verify-only job would ignore it silently).
    name: 'baseline-image needs findings to compare',
    check: ({ baselineImage, steps }) =>
      baselineImage && !steps.has('scan')
        ? new InputError(
            'baseline-image',
            "needs scan in steps: the image's scan is what the baseline is compared with"
          )
        : undefined
  },
  {
    // A baseline nobody vouches for must not excuse findings: its attestation is verified like the
    // image's, and before the gate, so by the inputs rather than by this run's signer (a keyless
    // signer's identity names this run's ref, which the baseline's release never has).
    name: 'baseline-image needs a key or an identity',
    check: (inputs) =>
      inputs.baselineImage && !inputs.cosignPublicKey && !identityOf(inputs)
        ? new InputError(
            'baseline-image',
            "needs cosign-public-key, certificate-identity or certificate-identity-regexp: the baseline's vuln attestation is verified before its findings are excused"
          )
        : undefined
  },
  {
    name: 'the baseline is another image',
    check: ({ baselineImage, image }) =>
      baselineImage && sameRef(baselineImage, image)
        ? new InputError(
            'baseline-image',
            'names the image itself: every finding would be excused. Give the image the changes are compared with, e.g. the main branch tag'
          )
        : undefined
  },
  {
    name: 'upload-sarif needs github-token',
    check: (inputs) =>
      inputs.uploadSarif && !inputs.githubToken
        ? new InputError(
            'github-token',
            'must be set when upload-sarif is true (it needs security-events: write)'
          )
        : undefined
  },
  {
    name: 'comment needs github-token',
    check: (inputs) =>
      inputs.comment && !inputs.githubToken
        ? new InputError(
            'github-token',
            'must be set when comment is true (it needs pull-requests: write)'
          )
        : undefined
  }
]

/** Rules that span inputs: refused here, before anything is downloaded. */
export function checkCombinations(inputs: Inputs): void {
  for (const rule of COMBINATION_RULES) {
    const refusal = rule.check(inputs)
    if (refusal) throw refusal
  }
}
