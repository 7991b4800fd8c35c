// Reading the attestations `cosign verify-attestation` vouched for: one DSSE envelope per line,
// whose payload is an in-toto statement. cosign has checked the signature and the predicate type;
// the statements are read here so that what they say (a scan's time and findings, an SBOM) can be
// used, and each subject is checked again against the digest, because a deploy gate trusts what
// the statement holds as if it had scanned the image itself.
import type { AttestationType } from '../types.js'

/** The in-toto predicate type of each attestation `attest` makes. */
export const PREDICATE_TYPES: Readonly<Record<AttestationType, string>> = {
  vuln: 'https://cosign.sigstore.dev/attestation/vuln/v1',
  sbom: 'https://cyclonedx.org/bom'
}

/** cosign's `--type` name of each (cosign maps `cyclonedx` to https://cyclonedx.org/bom). */
export const COSIGN_TYPE_NAMES: Readonly<Record<AttestationType, string>> = {
  vuln: 'vuln',
  sbom: 'cyclonedx'
}

/** One verified in-toto statement. */
export interface AttestedStatement {
  predicateType: string
  /** The subjects' digests, `sha256:<hex>`. */
  subjects: string[]
  /** The predicate as signed: not yet checked (see findings/evidence.ts). */
  predicate: unknown
}

export interface AttestationsRead {
  /** The statements of `type` about `digest`, in the order cosign printed them. */
  statements: AttestedStatement[]
  /** Why the output does not vouch for `digest`; empty when it does. */
  problems: string[]
}

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** The JSON objects of cosign's stdout, one per line; other lines are skipped. */
function envelopes(stdout: string): Json[] {
  const found: Json[] = []
  for (const line of stdout.split('\n')) {
    const text = line.trim()
    if (!text.startsWith('{')) continue
    try {
      const value: unknown = JSON.parse(text)
      if (isObject(value)) found.push(value)
    } catch {
      // Not a JSON line (cosign writes its notes to stderr, but be tolerant).
    }
  }
  return found
}

/** The statement in a DSSE envelope's base64 payload, or undefined when there is none. */
function statementOf(envelope: Json): Json | undefined {
  if (typeof envelope['payload'] !== 'string') return undefined
  try {
    const value: unknown = JSON.parse(Buffer.from(envelope['payload'], 'base64').toString('utf8'))
    return isObject(value) ? value : undefined
  } catch {
    return undefined
  }
}

function subjectDigests(statement: Json): string[] {
  const subjects = Array.isArray(statement['subject']) ? (statement['subject'] as unknown[]) : []
  return subjects.flatMap((subject) => {
    const digest = isObject(subject) ? subject['digest'] : undefined
    const hex = isObject(digest) ? digest['sha256'] : undefined
    return typeof hex === 'string' ? [`sha256:${hex}`] : []
  })
}

/**
 * The statements of `cosign verify-attestation --type <type>` output, each checked to be of that
 * type and about `digest`. Any envelope that is not is a problem: cosign printed it as verified, so
 * an odd one means the output cannot be trusted as a whole.
 */
export function readAttestations(
  stdout: string,
  type: AttestationType,
  digest: string
): AttestationsRead {
  const found = envelopes(stdout)
  if (found.length === 0) {
    return {
      statements: [],
      problems: [`cosign verify-attestation printed no ${type} attestation`]
    }
  }
  const statements: AttestedStatement[] = []
  const problems: string[] = []
  found.forEach((envelope, i) => {
    const statement = statementOf(envelope)
    if (!statement) {
      problems.push(`attestation ${i + 1} has no readable in-toto statement`)
      return
    }
    const predicateType = String(statement['predicateType'])
    const subjects = subjectDigests(statement)
    if (predicateType !== PREDICATE_TYPES[type]) {
      problems.push(`attestation ${i + 1} is a ${predicateType}, not a ${type} attestation`)
    } else if (!subjects.includes(digest)) {
      problems.push(
        `${type} attestation ${i + 1} is about ${subjects.join(', ') || 'no digest'}, not ${digest}`
      )
    } else {
      statements.push({ predicateType, subjects, predicate: statement['predicate'] })
    }
  })
  return { statements, problems }
}
