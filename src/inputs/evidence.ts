// The inputs of the evidence policy: which attestations `verify` requires, how old a signed scan may
// be, and the baseline image whose findings are excused. Pure: get-inputs.ts reads the strings and
// hands them over; the rules that tie them to the steps are in combinations.ts.
import { InputError } from '../errors.js'
import { parseList, parseMaxAge, shown } from './parsers.js'
import { parseImage } from './rules.js'
import { ATTESTATION_TYPES, type AttestationType, type Step } from '../types.js'
import type { Inputs } from './inputs.js'

export type EvidenceInputs = Pick<Inputs, 'verifyAttestations' | 'maxScanAge' | 'baselineImage'>

/** The raw strings of the evidence inputs, and the inputs their defaults depend on. */
export interface EvidenceText {
  verifyAttestations: string
  maxScanAge: string
  baselineImage: string
  steps: ReadonlySet<Step>
  attestations: readonly AttestationType[]
}

export function parseEvidenceInputs(text: EvidenceText): EvidenceInputs {
  return {
    verifyAttestations: parseVerifyAttestations(
      text.verifyAttestations,
      text.steps,
      text.attestations
    ),
    maxScanAge:
      text.maxScanAge.trim() === '' ? undefined : parseMaxAge('max-scan-age', text.maxScanAge),
    baselineImage:
      text.baselineImage === '' ? undefined : parseImage(text.baselineImage, 'baseline-image')
  }
}

/**
 * `vuln`, `sbom` (comma- or newline-separated), or `none`. Empty means what `attest` makes in the
 * same run when `verify` runs too: a release job verifies the evidence it has just left, and a
 * verify-only deploy job names what it requires. Without `verify` in the steps the default is none,
 * so only an entry the user wrote can be refused for lacking the step.
 */
export function parseVerifyAttestations(
  value: string,
  steps: ReadonlySet<Step>,
  attestations: readonly AttestationType[]
): AttestationType[] {
  const entries = parseList(value, true)
  if (entries.length === 0) {
    return steps.has('verify') && steps.has('attest') ? [...attestations] : []
  }
  if (entries.length === 1 && entries[0]?.toLowerCase() === 'none') return []
  const allowed = `${ATTESTATION_TYPES.join(', ')} (comma- or newline-separated), or none`
  for (const entry of entries) {
    if (!(ATTESTATION_TYPES as readonly string[]).includes(entry.toLowerCase())) {
      throw new InputError('verify-attestations', `must list ${allowed} (got ${shown(entry)})`)
    }
  }
  const listed = entries.map((entry) => entry.toLowerCase())
  // In a fixed order, whatever order they are listed in: vuln first.
  return ATTESTATION_TYPES.filter((type) => listed.includes(type))
}
