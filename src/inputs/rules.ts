// Input rules specific to this action: the image and list formats, the default SARIF category,
// and the rules that span several inputs (impossible step combinations, conflicting keys). Pure:
// get-inputs.ts reads the values and hands them over.
import { InputError } from '../errors.js'
import { parseImageRef } from '../registry/image-ref.js'
import type { Inputs } from './inputs.js'
import { parseList, shown } from './parsers.js'
import type { ImageRef } from '../types.js'

const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/
const ANNOTATION_KEY = /^[^\s=]+$/

export function parseImage(value: string): ImageRef {
  const allowed = 'expected name[:tag][@sha256:<digest>] in lower case, e.g. ghcr.io/org/app:1.2'
  if (value === '') throw new InputError('image', `is required: ${allowed}`)
  if (/\s/.test(value))
    throw new InputError(
      'image',
      `must not contain spaces or line breaks: ${allowed} (got ${shown(value)})`
    )
  try {
    return parseImageRef(value)
  } catch (error) {
    throw new InputError(
      'image',
      `${error instanceof Error ? error.message : String(error)}: ${allowed}`
    )
  }
}

export function parsePlatform(value: string): string | undefined {
  if (value === '' || PLATFORM.test(value)) return value || undefined
  throw new InputError(
    'platform',
    `must be os/arch[/variant] in lower case, e.g. linux/arm64 (got ${shown(value)})`
  )
}

export function parseDbRepositories(value: string): string[] {
  return parseList(value, false).map((repository) => {
    const allowed =
      'each line must be an OCI repository without a scheme, e.g. ghcr.io/aquasecurity/trivy-db:2'
    if (repository.includes('://') || /\s/.test(repository)) {
      throw new InputError('trivy-db-repository', `${allowed} (got ${shown(repository)})`)
    }
    try {
      parseImageRef(repository)
    } catch (error) {
      throw new InputError(
        'trivy-db-repository',
        `${allowed}; ${error instanceof Error ? error.message : String(error)}`
      )
    }
    return repository
  })
}

export function parseAnnotations(value: string): Array<[string, string]> {
  const pairs = new Map<string, string>()
  for (const line of parseList(value, false)) {
    const eq = line.indexOf('=')
    const key = line.slice(0, Math.max(eq, 0))
    if (eq <= 0 || !ANNOTATION_KEY.test(key) || pairs.has(key)) {
      const why = pairs.has(key) ? `key ${shown(key)} is given twice` : `got ${shown(line)}`
      throw new InputError(
        'annotations',
        `must be key=value lines, each key once and without spaces (${why})`
      )
    }
    pairs.set(key, line.slice(eq + 1))
  }
  return [...pairs]
}

/** `imgsec/<registry host>/<repository>`: no tag, digest or port, so it stays the same from run to run. */
export function defaultSarifCategory(image: ImageRef): string {
  return `imgsec/${image.registry.replace(/:[0-9]+$/, '')}/${image.repository}`
}

/** Rules that span inputs: refused here, before anything is downloaded. */
export function checkCombinations(inputs: Inputs): void {
  const { steps } = inputs
  for (const step of ['gate', 'attest'] as const) {
    if (steps.has(step) && !steps.has('scan')) {
      throw new InputError(
        'steps',
        `'${step}' needs 'scan' in the same run: add scan or remove ${step}`
      )
    }
  }
  // The product's promise: it never signs what it did not scan, nor what failed the gate.
  if (steps.has('sign') && !(steps.has('scan') && steps.has('gate'))) {
    throw new InputError(
      'steps',
      `'sign' needs 'scan' and 'gate' in the same run: only a digest that was scanned and passed the gate is signed`
    )
  }
  const credentials = inputs.registryCredentials
  if (credentials && steps.has('scan')) {
    // trivy reads TRIVY_USERNAME/TRIVY_PASSWORD as lists, split on commas and whitespace.
    const entries = [
      ['registry-username', credentials.username],
      ['registry-password', credentials.password]
    ] as const
    for (const [name, value] of entries) {
      if (/[,\s]/.test(value)) {
        throw new InputError(
          name,
          'contains a comma or whitespace, which trivy splits into several values: log in with ' +
            'docker/login-action instead and leave registry-username/registry-password empty'
        )
      }
    }
  }
  const needRegistry = (['sign', 'attest', 'verify'] as const).filter((step) => steps.has(step))
  if (needRegistry.length > 0 && inputs.imageSource.kind !== 'registry') {
    throw new InputError(
      'image-source',
      `must be registry when steps include ${needRegistry.join(', ')}: signatures live in the registry`
    )
  }
  const identityInput = inputs.certificateIdentity
    ? 'certificate-identity'
    : 'certificate-identity-regexp'
  const identity = inputs.certificateIdentity ?? inputs.certificateIdentityRegexp
  if (inputs.certificateIdentity && inputs.certificateIdentityRegexp) {
    throw new InputError(
      'certificate-identity-regexp',
      'cannot be given together with certificate-identity: give one of them'
    )
  }
  if (inputs.cosignPublicKey && identity) {
    throw new InputError(
      'cosign-public-key',
      `cannot be given together with ${identityInput}: a key verifies keyed signatures, an identity keyless ones`
    )
  }
  if (steps.has('verify') && !steps.has('sign') && !inputs.cosignPublicKey && !identity) {
    throw new InputError(
      'cosign-public-key',
      'is needed to verify without sign in the same run (for keyless signatures give certificate-identity or certificate-identity-regexp instead)'
    )
  }
  if (steps.has('verify') && steps.has('sign') && !inputs.cosignKey && inputs.cosignPublicKey) {
    throw new InputError(
      'cosign-public-key',
      'cannot verify the keyless signature made by sign in the same run: remove it, or give cosign-key'
    )
  }
  if (steps.has('verify') && steps.has('sign') && inputs.cosignKey && identity) {
    throw new InputError(
      identityInput,
      'cannot verify the keyed signature made by sign in the same run: remove it, or leave cosign-key empty'
    )
  }
  if (inputs.cosignPassword && !inputs.cosignKey) {
    throw new InputError(
      'cosign-password',
      'is given without cosign-key: it is the password of that key'
    )
  }
  if (inputs.uploadSarif && !inputs.githubToken) {
    throw new InputError(
      'github-token',
      'must be set when upload-sarif is true (it needs security-events: write)'
    )
  }
}
