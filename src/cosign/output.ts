// Reading what `cosign verify -o json` and `cosign verify-attestation` print. cosign's exit code
// says the signature is valid for *some* claims; we also check the claims are about our digest.
import type { SignerInfo, TlogEntry } from '../types.js'

/** The payload types cosign writes: the simple-signing format (v2) and the v3 bundle format. */
export const SIGNATURE_TYPES = [
  'cosign container image signature',
  'https://sigstore.dev/cosign/sign/v1'
]

export interface VerifyOutput {
  count: number
  /** Why the output does not vouch for the digest; empty when it does. */
  problems: string[]
  /** The keyless signer cosign saw (certificate subject and issuer). */
  signer?: SignerInfo
  tlogEntry?: TlogEntry
}

type Json = Record<string, unknown>
const object = (value: unknown): Json =>
  typeof value === 'object' && value !== null ? (value as Json) : {}

function jsonLines(stdout: string): unknown[] {
  const values: unknown[] = []
  for (const line of stdout.split('\n')) {
    const text = line.trim()
    if (!text.startsWith('[') && !text.startsWith('{')) continue
    try {
      values.push(JSON.parse(text))
    } catch {
      // Not a JSON line (cosign writes its notes to stderr, but be tolerant).
    }
  }
  return values
}

/**
 * An in-toto predicate type (`https://…`): cosign v3's `verify` lists the bundles of attestations
 * made with the same key beside the signatures, typed by their predicate.
 */
function isAttestationType(type: unknown): boolean {
  return typeof type === 'string' && /^https:\/\/\S+$/.test(type) && !SIGNATURE_TYPES.includes(type)
}

/**
 * Checks every entry of `cosign verify -o json` names `digest`, and that there is at least one
 * signature of a known type; attestation entries (cosign v3) are not counted as signatures.
 */
export function checkVerifyOutput(stdout: string, digest: string): VerifyOutput {
  const entries = jsonLines(stdout).find(Array.isArray)
  if (!entries || entries.length === 0) {
    return { count: 0, problems: ['cosign verify printed no signature claims'] }
  }
  const signatures = entries.filter((entry: unknown) =>
    SIGNATURE_TYPES.includes(String(object(object(entry)['critical'])['type']))
  ).length
  const problems: string[] = []
  let signer: SignerInfo | undefined
  let tlogEntry: TlogEntry | undefined
  entries.forEach((entry: unknown, i) => {
    const critical = object(object(entry)['critical'])
    const image = object(critical['image'])
    const signed = image['docker-manifest-digest'] ?? image['Docker-manifest-digest']
    if (signed !== digest) {
      problems.push(
        `signature ${i + 1} is for ${String(signed)}, not the resolved digest ${digest}`
      )
    }
    const type = critical['type']
    if (!SIGNATURE_TYPES.includes(String(type)) && !isAttestationType(type)) {
      problems.push(`signature ${i + 1} has an unknown type ${JSON.stringify(critical['type'])}`)
    }
    const optional = object(object(entry)['optional'])
    const logIndex = object(object(optional['Bundle'])['Payload'])['logIndex']
    if (typeof logIndex === 'number' && !tlogEntry) tlogEntry = { logIndex }
    const subject = optional['Subject']
    const issuer = optional['Issuer']
    if (typeof subject === 'string' && typeof issuer === 'string' && !signer) {
      signer = { kind: 'keyless', identity: subject, issuer }
    }
  })
  if (signatures === 0 && problems.length === 0) {
    problems.push('cosign verify found only attestations, no image signature')
  }
  return { count: signatures, problems, signer, tlogEntry }
}
