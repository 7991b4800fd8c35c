// cosign command lines, as pure functions of what to do (table-tested). They always name the pinned
// `repo@sha256:…`, so the digest signed is the digest scanned, and never carry a secret: the key
// password travels as COSIGN_PASSWORD and registry credentials as a private DOCKER_CONFIG.
import { listFlagValue } from '../tools/list-flag.js'
import type { AttestationType } from '../types.js'
import { COSIGN_TYPE_NAMES } from './attestation.js'

/** How signatures reach (or skip) the transparency log; the route differs between cosign v2 and v3. */
export type TlogMode =
  | { upload: true }
  /** cosign v2: the plain flag. */
  | { upload: false; cosignMajor: 2 }
  /** cosign v3, keyless: a signing config without Rekor, made by `signingConfigArgs`. */
  | { upload: false; signingConfig: string }
  /**
   * cosign v3 with a key: no signing config at all. The default one, and `signing-config create
   * --with-default-services`, come from Sigstore's TUF repository, a network fetch that an
   * air-gapped runner cannot make; a keyed signature without the log needs no service from it.
   */
  | { upload: false; signingConfig: false }

export interface SignArgs {
  pinnedRef: string
  /** A key file path or key URI; absent for keyless signing. */
  keyRef?: string
  tlog: TlogMode
}

export interface ImageSignArgs extends SignArgs {
  annotations: Array<[string, string]>
}

export interface AttestArgs extends SignArgs {
  predicateFile: string
  type: AttestationType
}

/** Who must have signed: a public key, or a keyless identity and issuer (exact or regexp). */
export type VerifyPolicy =
  | { kind: 'key'; keyRef: string }
  | {
      kind: 'keyless'
      identity?: string
      identityRegexp?: string
      issuer?: string
      issuerRegexp?: string
    }

export interface VerifyArgs {
  pinnedRef: string
  policy: VerifyPolicy
  /** False when signatures were made without the transparency log (`tlog-upload: false`). */
  tlogUpload: boolean
}

/** The major version of a cosign version string (`3.0.6`, `v2.6.1`). */
export function cosignMajor(version: string): number {
  return Number.parseInt(version.replace(/^v/, ''), 10)
}

/**
 * The tlog route for `tlogUpload` on this cosign version; `signingConfig` is the file for keyless
 * v3, or false for keyed v3 (no signing config).
 */
export function tlogMode(
  tlogUpload: boolean,
  version: string,
  signingConfig?: string | false
): TlogMode {
  if (tlogUpload) return { upload: true }
  if (cosignMajor(version) < 3) return { upload: false, cosignMajor: 2 }
  if (signingConfig === false) return { upload: false, signingConfig: false }
  if (!signingConfig)
    throw new Error('cosign v3 needs a signing config to sign without the transparency log')
  return { upload: false, signingConfig }
}

/** `cosign signing-config create`: the public-good services minus Rekor (cosign v3's no-tlog route). */
export function signingConfigArgs(outFile: string): string[] {
  return [
    'signing-config',
    'create',
    '--with-default-services',
    '--no-default-rekor',
    '--out',
    outFile
  ]
}

function signingArgs(options: SignArgs): string[] {
  const args = ['--yes']
  if (options.keyRef !== undefined) args.push('--key', options.keyRef)
  const tlog = options.tlog
  if (!tlog.upload) {
    if (!('signingConfig' in tlog)) args.push('--tlog-upload=false')
    else if (tlog.signingConfig === false) {
      // v3 refuses --tlog-upload=false unless signing-config use is off.
      args.push('--use-signing-config=false', '--tlog-upload=false')
    } else args.push('--signing-config', tlog.signingConfig)
  }
  return args
}

/** One `-a` value: cosign parses the flag as a CSV list (see list-flag.ts). */
export function annotationArg(key: string, value: string): string {
  return listFlagValue(`${key}=${value}`)
}

export function signArgs(options: ImageSignArgs): string[] {
  const args = ['sign', ...signingArgs(options)]
  for (const [key, value] of options.annotations) args.push('-a', annotationArg(key, value))
  // Never --recursive: it signs every manifest of an index, BuildKit's attestation manifests and
  // platforms nobody scanned included. Each platform image is named by its own digest instead.
  return [...args, options.pinnedRef]
}

export function attestArgs(options: AttestArgs): string[] {
  const typeArgs = ['--type', COSIGN_TYPE_NAMES[options.type], '--predicate', options.predicateFile]
  return ['attest', ...signingArgs(options), ...typeArgs, options.pinnedRef]
}

/**
 * The pattern anchored to the whole identity. cosign (Go's regexp.MatchString) matches a pattern
 * anywhere: `github\.com/acme/api/` also accepted `https://github.com/attacker/fork/…@refs/heads/github.com/acme/api/release`.
 */
export function wholeMatch(pattern: string): string {
  return `^(?:${pattern})$`
}

function policyArgs(policy: VerifyPolicy): string[] {
  if (policy.kind === 'key') return ['--key', policy.keyRef]
  const args: string[] = []
  if (policy.identity !== undefined) args.push('--certificate-identity', policy.identity)
  else if (policy.identityRegexp !== undefined) {
    args.push('--certificate-identity-regexp', wholeMatch(policy.identityRegexp))
  }
  if (policy.issuer !== undefined) args.push('--certificate-oidc-issuer', policy.issuer)
  else if (policy.issuerRegexp !== undefined) {
    args.push('--certificate-oidc-issuer-regexp', policy.issuerRegexp)
  }
  return args
}

function verifyCommonArgs(options: VerifyArgs): string[] {
  const args = policyArgs(options.policy)
  if (!options.tlogUpload) args.push('--insecure-ignore-tlog')
  return args
}

export function verifyArgs(options: VerifyArgs): string[] {
  return ['verify', ...verifyCommonArgs(options), '-o', 'json', options.pinnedRef]
}

export function verifyAttestationArgs(options: VerifyArgs, type: AttestationType): string[] {
  const typeArgs = ['--type', COSIGN_TYPE_NAMES[type]]
  return ['verify-attestation', ...typeArgs, ...verifyCommonArgs(options), options.pinnedRef]
}

/** Lists what is attached to the image: signatures and attestations, and where they are stored. */
export function treeArgs(pinnedRef: string): string[] {
  return ['tree', pinnedRef]
}

export function publicKeyArgs(keyRef: string): string[] {
  return ['public-key', '--key', keyRef]
}
