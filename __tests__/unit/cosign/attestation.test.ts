// What `cosign verify-attestation` prints, read back: one DSSE envelope per line whose payload is
// the in-toto statement cosign made (`_type`, `subject[{name, digest: {sha256}}]`, `predicateType`,
// `predicate`). Only statements of the asked type about the image's own digest are used.
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PREDICATE_TYPES, readAttestations } from '../../../src/cosign/attestation.js'

const HEX = 'a'.repeat(64)
const DIGEST = `sha256:${HEX}`
const OTHER = `sha256:${'b'.repeat(64)}`
const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'trivy')
const VULN = JSON.parse(
  readFileSync(join(FIXTURES, '..', 'trivy-predicates', 'alpine-39.cosign-vuln.json'), 'utf8')
) as unknown
const SBOM = { bomFormat: 'CycloneDX', specVersion: '1.7', components: [] }

/** One line of cosign's output: the envelope of a statement about `digest`. */
function envelope(predicateType: string, predicate: unknown, digest = DIGEST): string {
  const statement = {
    _type: 'https://in-toto.io/Statement/v0.1',
    predicateType,
    subject: [{ name: 'ghcr.io/acme/api', digest: { sha256: digest.replace('sha256:', '') } }],
    predicate
  }
  return JSON.stringify({
    payloadType: 'application/vnd.in-toto+json',
    payload: Buffer.from(JSON.stringify(statement)).toString('base64'),
    signatures: [{ keyid: '', sig: 'MEUCIQ' }]
  })
}

describe('readAttestations', () => {
  it('gives the vuln statement about the digest with its predicate as signed', () => {
    const read = readAttestations(`${envelope(PREDICATE_TYPES.vuln, VULN)}\n`, 'vuln', DIGEST)
    expect(read.problems).toEqual([])
    expect(read.statements).toEqual([
      { predicateType: PREDICATE_TYPES.vuln, subjects: [DIGEST], predicate: VULN }
    ])
  })

  it('gives each of several attestations, and skips lines that are not JSON', () => {
    const stdout = [
      'Verification for ghcr.io/acme/api --',
      envelope(PREDICATE_TYPES.sbom, SBOM),
      envelope(PREDICATE_TYPES.sbom, { ...SBOM, version: 2 }),
      ''
    ].join('\n')
    const read = readAttestations(stdout, 'sbom', DIGEST)
    expect(read.problems).toEqual([])
    expect(read.statements.map((s) => s.predicate)).toEqual([SBOM, { ...SBOM, version: 2 }])
  })

  it('finds nothing to vouch for in empty output', () => {
    expect(readAttestations('\n', 'vuln', DIGEST)).toEqual({
      statements: [],
      problems: ['cosign verify-attestation printed no vuln attestation']
    })
  })

  it('refuses a statement about another digest, naming both', () => {
    const read = readAttestations(envelope(PREDICATE_TYPES.vuln, VULN, OTHER), 'vuln', DIGEST)
    expect(read.statements).toEqual([])
    expect(read.problems).toEqual([`vuln attestation 1 is about ${OTHER}, not ${DIGEST}`])
  })

  it('refuses a statement of another type than asked', () => {
    const read = readAttestations(envelope(PREDICATE_TYPES.sbom, SBOM), 'vuln', DIGEST)
    expect(read.statements).toEqual([])
    expect(read.problems).toEqual([
      'attestation 1 is a https://cyclonedx.org/bom, not a vuln attestation'
    ])
  })

  it('refuses an envelope without a readable statement, and keeps the good one beside it', () => {
    const broken = JSON.stringify({ payloadType: 'application/vnd.in-toto+json', payload: '!!' })
    const read = readAttestations(
      [broken, envelope(PREDICATE_TYPES.vuln, VULN)].join('\n'),
      'vuln',
      DIGEST
    )
    expect(read.problems).toEqual(['attestation 1 has no readable in-toto statement'])
    expect(read.statements).toHaveLength(1)
  })
})
