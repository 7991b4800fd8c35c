// Verify with cosign, on the pinned `repo@sha256:…`: a failed verification is a verdict
// (VerifyResult.verified = false), which the caller reports and fails the step on, never a throw.
import * as core from '@actions/core'
import { verifyArgs, verifyAttestationArgs, type VerifyPolicy } from './args.js'
import { callOptions, type CosignTool, type Signer } from './commands.js'
import { fingerprintOfFile, keyRef } from './keys.js'
import { checkAttestationOutput, checkVerifyOutput } from './output.js'
import { InputError } from '../errors.js'
import { describeSigner } from '../signer.js'
import { runTool, tail } from '../tools/exec.js'
import type { KeyInput, ResolvedImage, SignerInfo, VerifyResult } from '../types.js'

export interface VerifyOptions {
  publicKey?: KeyInput
  certificateIdentity?: string
  certificateIdentityRegexp?: string
  certificateOidcIssuer: string
  tlogUpload: boolean
  /** Also check the vuln attestation (when `attest` is among the steps). */
  attestation: boolean
}

export interface VerifySpec {
  policy: VerifyPolicy
  signer: SignerInfo
}

/**
 * Who verification must find: the inputs when they name a key or identity, else the signer of this
 * run's `sign` step. `signed` absent and no inputs is an input error (inputs.ts rejects it first).
 */
export function verifySpec(options: VerifyOptions, signed?: Signer): VerifySpec {
  const issuer = options.certificateOidcIssuer
  if (options.publicKey) {
    const key = keyRef(options.publicKey, 'verify.pub', false)
    const fingerprint = options.publicKey.kind === 'uri' ? '' : (fingerprintOfFile(key.ref) ?? '')
    return {
      policy: { kind: 'key', keyRef: key.ref },
      signer: { kind: 'key', fingerprint, keySource: key.source }
    }
  }
  const identity = options.certificateIdentity
  const identityRegexp = options.certificateIdentityRegexp
  if (identity !== undefined || identityRegexp !== undefined) {
    return {
      policy: { kind: 'keyless', identity, identityRegexp, issuer },
      signer: { kind: 'keyless', identity: identity ?? `/${identityRegexp}/`, issuer }
    }
  }
  if (signed?.policy.kind === 'keyless' && signed.info.kind === 'keyless') {
    const policy: VerifyPolicy = { kind: 'keyless', identity: signed.info.identity, issuer }
    return { policy, signer: { ...signed.info, issuer } }
  }
  if (signed) return { policy: signed.policy, signer: signed.info }
  throw new InputError(
    'cosign-public-key',
    'verify needs cosign-public-key, certificate-identity or certificate-identity-regexp, or a sign step in the same run'
  )
}

/** Verifies the signature (and the vuln attestation when asked); never throws on a rejection. */
export async function verifyImage(
  cosign: CosignTool,
  image: ResolvedImage,
  spec: VerifySpec,
  options: Pick<VerifyOptions, 'tlogUpload' | 'attestation'>
): Promise<VerifyResult> {
  const base = { pinnedRef: image.pinnedRef, policy: spec.policy, tlogUpload: options.tlogUpload }
  const failed = (failure: string, checks: string[] = []): VerifyResult => ({
    verified: false,
    checks,
    signer: spec.signer,
    failure
  })
  // A public key given as `env://NAME` or a KMS URI needs its variables; nothing else does.
  const keyRef = spec.policy.kind === 'key' ? spec.policy.keyRef : undefined
  const signature = await runTool(cosign.path, verifyArgs(base), {
    ...callOptions(cosign, { keyRef }),
    silent: true
  })
  if (signature.exitCode !== 0) {
    return failed(
      `no valid signature by ${describeSigner(spec.signer)} (cosign: ${cosignError(signature.stderr)})`
    )
  }
  const parsed = checkVerifyOutput(signature.stdout, image.digest)
  if (parsed.problems.length > 0) return failed(parsed.problems.join('; '))
  const signer = parsed.signer ?? spec.signer
  const checks = [
    `signature by ${describeSigner(signer)}`,
    `signed digest equals ${image.digest} in all ${parsed.count} signature(s)`,
    parsed.tlogEntry
      ? `transparency log entry ${parsed.tlogEntry.logIndex}`
      : 'transparency log not checked (tlog-upload: false)'
  ]
  core.info(`cosign verify: ${checks.join('; ')}`)
  if (options.attestation) {
    const attestation = await runTool(cosign.path, verifyAttestationArgs(base), {
      ...callOptions(cosign, { keyRef }),
      silent: true
    })
    if (attestation.exitCode !== 0) {
      return failed(
        `no valid vuln attestation by ${describeSigner(spec.signer)} ` +
          `(cosign: ${cosignError(attestation.stderr)})`,
        checks
      )
    }
    const problems = checkAttestationOutput(attestation.stdout, image.digest)
    if (problems.length > 0) return failed(problems.join('; '), checks)
    checks.push(`vuln attestation signed by the same signer for ${image.digest}`)
  }
  return { verified: true, checks, signer, tlogEntry: parsed.tlogEntry }
}

/** cosign's own reason, once: its `Error:` line, else the end of its stderr. */
function cosignError(stderr: string): string {
  const error = stderr.split('\n').find((line) => line.startsWith('Error: '))
  return error ? error.slice('Error: '.length) : tail(stderr, 3).replace(/\n/g, ' ')
}
