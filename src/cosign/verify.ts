// Verify with cosign, on the pinned `repo@sha256:…`: a failed verification is a verdict
// (VerifyResult.verified = false), which the caller reports and fails the step on, never a throw.
import * as core from '@actions/core'
import { verifyArgs, verifyAttestationArgs, type VerifyPolicy } from './args.js'
import { callOptions, type CosignImage, type CosignTool, type Signer } from './commands.js'
import { fingerprintOfFile, keyRef } from './keys.js'
import { readAttestations } from './attestation.js'
import { checkVerifyOutput } from './output.js'
import { InputError } from '../errors.js'
import { describeSigner } from '../signer.js'
import { runTool, tail } from '../tools/exec.js'
import type {
  AttestationType,
  KeyInput,
  SignerInfo,
  TlogEntry,
  VerificationCheck
} from '../types.js'

export interface VerifyOptions {
  publicKey?: KeyInput
  certificateIdentity?: string
  certificateIdentityRegexp?: string
  certificateOidcIssuer: string
  tlogUpload: boolean
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

/** One digest's verification: each check, and what the verified attestations hold. */
export interface DigestVerification {
  verified: boolean
  checks: VerificationCheck[]
  signer: SignerInfo
  tlogEntry?: TlogEntry
  /** The predicates of each verified attestation type, about this digest (attestation.ts). */
  predicates: Partial<Record<AttestationType, unknown[]>>
}

/**
 * Verifies one digest: its signature when `signature`, and each of `attestations`, each signed by
 * the same signer and about this digest. Every check runs, so that the `verification` output lists
 * them all. Never throws on a rejection: that is a verdict.
 */
export async function verifyImage(
  cosign: CosignTool,
  image: CosignImage,
  spec: VerifySpec,
  options: { tlogUpload: boolean; signature: boolean; attestations: readonly AttestationType[] }
): Promise<DigestVerification> {
  const base = { pinnedRef: image.pinnedRef, policy: spec.policy, tlogUpload: options.tlogUpload }
  const checks: VerificationCheck[] = []
  const predicates: DigestVerification['predicates'] = {}
  const by = describeSigner(spec.signer)
  // A public key given as `env://NAME` or a KMS URI needs its variables; nothing else does.
  const keyRef = spec.policy.kind === 'key' ? spec.policy.keyRef : undefined
  const run = (args: string[]) =>
    runTool(cosign.path, args, { ...callOptions(cosign, { keyRef }), silent: true })
  let signer = spec.signer
  let tlogEntry: TlogEntry | undefined
  if (options.signature) {
    const signature = await run(verifyArgs(base))
    const parsed =
      signature.exitCode === 0 ? checkVerifyOutput(signature.stdout, image.digest) : undefined
    if (!parsed) {
      const detail = `no valid signature by ${by} (cosign: ${cosignError(signature.stderr)})`
      checks.push({ check: 'signature', passed: false, detail })
    } else if (parsed.problems.length > 0) {
      checks.push({ check: 'signature', passed: false, detail: parsed.problems.join('; ') })
    } else {
      signer = parsed.signer ?? spec.signer
      tlogEntry = parsed.tlogEntry
      const log = parsed.tlogEntry
        ? `transparency log entry ${parsed.tlogEntry.logIndex}`
        : 'transparency log not checked (tlog-upload: false)'
      const detail = `by ${describeSigner(signer)}, on ${image.digest} in all ${parsed.count} signature(s); ${log}`
      checks.push({ check: 'signature', passed: true, detail })
    }
  }
  for (const type of options.attestations) {
    const check = `${type} attestation`
    const attestation = await run(verifyAttestationArgs(base, type))
    if (attestation.exitCode !== 0) {
      const detail = `no valid ${type} attestation by ${by} (cosign: ${cosignError(attestation.stderr)})`
      checks.push({ check, passed: false, detail })
      continue
    }
    const read = readAttestations(attestation.stdout, type, image.digest)
    if (read.problems.length > 0) {
      checks.push({ check, passed: false, detail: read.problems.join('; ') })
      continue
    }
    predicates[type] = read.statements.map((statement) => statement.predicate)
    const detail = `${read.statements.length} signed by ${by}, about ${image.digest}`
    checks.push({ check, passed: true, detail })
  }
  const verified = checks.length > 0 && checks.every((c) => c.passed)
  core.info(
    `cosign verify ${image.pinnedRef}: ${checks.map((c) => `${c.check} ${c.passed ? 'ok' : 'FAILED'}`).join(', ')}`
  )
  return { verified, checks, signer, tlogEntry, predicates }
}

/** cosign's own reason, once: its `Error:` line, else the end of its stderr. */
function cosignError(stderr: string): string {
  const error = stderr.split('\n').find((line) => line.startsWith('Error: '))
  return error ? error.slice('Error: '.length) : tail(stderr, 3).replace(/\n/g, ' ')
}
