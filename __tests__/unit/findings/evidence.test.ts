// A signed scan read back for a deploy gate: its time and findings from the cosign-vuln predicate
// the real trivy writes, its age against max-scan-age (the message names the age), fail-on over the
// attested findings (only the new ones against a baseline), and an SBOM attestation's content.
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  checkSbomPredicate,
  checkScanAge,
  evaluateSbomPredicates,
  evaluateVulnPredicates,
  formatAge,
  gateAttestedFindings,
  newestEvidence,
  readVulnPredicate,
  type VulnEvidence
} from '../../../src/findings/evidence.js'
import { collectFindings } from '../../../src/findings/findings.js'
import { parseReport } from '../../../src/trivy/report.js'

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'trivy')
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8')
/** The predicate `trivy convert --format cosign-vuln` made of alpine-39.json (2 critical, 4 medium). */
const predicate = (): Predicate =>
  JSON.parse(fixture('../trivy-predicates/alpine-39.cosign-vuln.json')) as Predicate
interface Predicate {
  metadata: Record<string, string>
  scanner: { result: Record<string, unknown> }
}
const REPORT_CREATED = '2021-08-25T12:20:30.000000005Z'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const SEVEN_DAYS = { text: '7d', ms: 7 * DAY }
const NOW = new Date('2026-11-30T12:00:00Z')
const scannedAgo = (ms: number): VulnEvidence => ({
  scannedAt: new Date(NOW.getTime() - ms),
  findings: []
})

describe('readVulnPredicate', () => {
  it("reads the findings and scanner of trivy's own predicate", () => {
    const evidence = readVulnPredicate(predicate())
    const expected = collectFindings(parseReport(fixture('alpine-39.json')))
    expect(evidence.findings).toEqual(expected)
    expect(evidence.findings.map((f) => f.severity)).toEqual([
      'CRITICAL',
      'CRITICAL',
      'MEDIUM',
      'MEDIUM',
      'MEDIUM',
      'MEDIUM'
    ])
    expect(evidence.scanner).toBe('0.74.0')
  })

  it("dates the scan by the report's CreatedAt when it was converted later (as this one was)", () => {
    expect(Date.parse(predicate().metadata['scanFinishedOn'] ?? '')).toBeGreaterThan(
      Date.parse(REPORT_CREATED)
    )
    expect(readVulnPredicate(predicate()).scannedAt.toISOString()).toBe('2021-08-25T12:20:30.000Z')
  })

  it('dates the scan by scanFinishedOn when that is earlier, or when the report has no CreatedAt', () => {
    const earlier = predicate()
    earlier.metadata['scanFinishedOn'] = '2021-08-25T12:00:00Z'
    expect(readVulnPredicate(earlier).scannedAt.toISOString()).toBe('2021-08-25T12:00:00.000Z')
    const undated = predicate()
    delete undated.scanner.result['CreatedAt']
    undated.metadata['scanFinishedOn'] = '2026-11-29T08:00:00Z'
    expect(readVulnPredicate(undated).scannedAt.toISOString()).toBe('2026-11-29T08:00:00.000Z')
  })

  it('refuses a predicate without a scan time, or with only Go zero times', () => {
    const undated = predicate()
    delete undated.scanner.result['CreatedAt']
    undated.metadata = {
      scanStartedOn: '0001-01-01T00:00:00Z',
      scanFinishedOn: '0001-01-01T00:00:00Z'
    }
    expect(() => readVulnPredicate(undated)).toThrow(/has no scan time \(metadata.scanFinishedOn/)
  })

  it('refuses what is not a trivy scan record, saying what is missing', () => {
    expect(() => readVulnPredicate('x')).toThrow(/its predicate is not an object/)
    expect(() => readVulnPredicate({ scanner: {} })).toThrow(/it has no scanner.result/)
    const sarif = predicate()
    sarif.scanner.result = { version: '2.1.0', runs: [] }
    expect(() => readVulnPredicate(sarif)).toThrow(/scanner.result: .*it is a SARIF log/)
  })

  it('reads a scan that found nothing (trivy leaves out Results)', () => {
    const clean = predicate()
    delete clean.scanner.result['Results']
    expect(readVulnPredicate(clean).findings).toEqual([])
  })
})

describe('newestEvidence', () => {
  it('picks the latest scan among the attestations of one digest', () => {
    const old = scannedAgo(9 * DAY)
    const recent = scannedAgo(2 * HOUR)
    expect(newestEvidence([old, recent, scannedAgo(DAY)])).toBe(recent)
    expect(newestEvidence([])).toBeUndefined()
  })
})

describe('checkScanAge', () => {
  it('fails a scan older than max-scan-age, naming its age and the limit', () => {
    const check = checkScanAge(scannedAgo(9 * DAY + 4 * HOUR), SEVEN_DAYS, NOW)
    expect(check).toEqual({
      check: 'scan age',
      passed: false,
      detail: 'scanned 9 d 4 h ago (2026-11-21T08:00:00.000Z), longer ago than max-scan-age (7d)'
    })
  })

  it('passes a scan within max-scan-age, up to the limit itself', () => {
    expect(checkScanAge(scannedAgo(3 * HOUR), SEVEN_DAYS, NOW)).toMatchObject({
      passed: true,
      detail: expect.stringMatching(/^scanned 3 h ago .*, within max-scan-age \(7d\)$/)
    })
    expect(checkScanAge(scannedAgo(7 * DAY), SEVEN_DAYS, NOW).passed).toBe(true)
    expect(checkScanAge(scannedAgo(7 * DAY + 60_000), SEVEN_DAYS, NOW).passed).toBe(false)
  })

  it('fails a scan dated in the future beyond clock differences when there is a limit', () => {
    expect(checkScanAge(scannedAgo(-2 * DAY), SEVEN_DAYS, NOW)).toEqual({
      check: 'scan age',
      passed: false,
      detail: 'scan dated in the future (2026-12-02T12:00:00.000Z); max-scan-age is 7d'
    })
    expect(checkScanAge(scannedAgo(-2 * 60_000), SEVEN_DAYS, NOW).passed).toBe(true)
  })

  it('passes any age without max-scan-age, still saying how old the scan is', () => {
    expect(checkScanAge(scannedAgo(400 * DAY), undefined, NOW)).toEqual({
      check: 'scan age',
      passed: true,
      detail: 'scanned 400 d ago (2025-10-26T12:00:00.000Z); no max-scan-age'
    })
  })
})

describe('formatAge', () => {
  it.each([
    [9 * DAY + 4 * HOUR + 59 * 60_000, '9 d 4 h'],
    [2 * DAY, '2 d'],
    [DAY + 2 * HOUR, '1 d 2 h'],
    [3 * HOUR + 12 * 60_000, '3 h 12 min'],
    [HOUR, '1 h'],
    [7 * 60_000 + 59_000, '7 min'],
    [59_000, 'less than a minute']
  ])('%d ms is %s', (ms, text) => {
    expect(formatAge(ms)).toBe(text)
  })
})

describe('gateAttestedFindings', () => {
  const evidence = (): VulnEvidence => readVulnPredicate(predicate())

  it('fails on attested findings at or above fail-on, saying which', () => {
    const { check, gate } = gateAttestedFindings(evidence(), 'HIGH')
    expect(gate).toMatchObject({ verdict: 'failed', failing: 2, total: 6 })
    expect(check).toEqual({
      check: 'attested findings',
      passed: false,
      detail: 'attested findings at or above fail-on high: 2 critical'
    })
  })

  it('passes when none reaches fail-on', () => {
    expect(gateAttestedFindings(evidence(), 'NONE').check).toEqual({
      check: 'attested findings',
      passed: true,
      detail: 'no attested findings at or above fail-on none (6 vulnerabilities in all)'
    })
    const clean = predicate()
    delete clean.scanner.result['Results']
    expect(gateAttestedFindings(readVulnPredicate(clean), 'LOW').check.passed).toBe(true)
  })

  it('counts only what a verified baseline does not have', () => {
    const all = evidence().findings
    const excused = gateAttestedFindings(evidence(), 'HIGH', all)
    expect(excused.check).toEqual({
      check: 'attested findings',
      passed: true,
      detail: 'no new attested findings at or above fail-on high (0 vulnerabilities in all)'
    })
    const withoutOneCritical = all.filter((f) => f !== all[0])
    const one = gateAttestedFindings(evidence(), 'HIGH', withoutOneCritical)
    expect(one.check).toEqual({
      check: 'attested findings',
      passed: false,
      detail: 'new attested findings at or above fail-on high: 1 critical'
    })
  })
})

describe('checkSbomPredicate', () => {
  it('accepts a CycloneDX document, counting its components', () => {
    const sbom = { bomFormat: 'CycloneDX', specVersion: '1.7', components: [{}, {}, {}] }
    expect(checkSbomPredicate(sbom)).toEqual({
      check: 'sbom content',
      passed: true,
      detail: 'CycloneDX 1.7 SBOM of 3 component(s)'
    })
  })

  it('refuses a predicate that is no CycloneDX document', () => {
    for (const predicate of [{}, { bomFormat: 'SPDX' }, 'CycloneDX', null]) {
      expect(checkSbomPredicate(predicate)).toEqual({
        check: 'sbom content',
        passed: false,
        detail: 'the sbom attestation holds no CycloneDX document'
      })
    }
  })
})

describe('evaluateVulnPredicates', () => {
  const policy = { failOn: 'CRITICAL' as const, now: new Date('2021-08-26T12:20:30Z') }

  it('holds the newest attested scan to max-scan-age and fail-on', () => {
    const older = predicate()
    older.scanner.result['CreatedAt'] = '2021-08-01T00:00:00Z'
    older.scanner.result['Results'] = []
    const verdict = evaluateVulnPredicates([older, predicate()], {
      ...policy,
      maxScanAge: SEVEN_DAYS
    })
    expect(verdict.evidence?.scannedAt.toISOString()).toBe('2021-08-25T12:20:30.000Z')
    expect(verdict.checks).toEqual([
      {
        check: 'scan age',
        passed: true,
        detail: 'scanned 1 d ago (2021-08-25T12:20:30.000Z), within max-scan-age (7d)'
      },
      {
        check: 'attested findings',
        passed: false,
        detail: 'attested findings at or above fail-on critical: 2 critical'
      }
    ])
    expect(verdict.gate?.verdict).toBe('failed')
  })

  it('fails when a verified predicate cannot be read, or none was', () => {
    expect(evaluateVulnPredicates([predicate(), { scanner: {} }], policy).checks).toEqual([
      {
        check: 'vuln attestation',
        passed: false,
        detail: 'the vuln attestation is not a trivy scan record: it has no scanner.result'
      }
    ])
    expect(evaluateVulnPredicates([], policy).checks).toEqual([
      { check: 'vuln attestation', passed: false, detail: 'no vuln attestation was read' }
    ])
  })
})

describe('evaluateSbomPredicates', () => {
  const sbom = { bomFormat: 'CycloneDX', specVersion: '1.7', components: [{}] }

  it('passes when every sbom attestation holds a CycloneDX document', () => {
    expect(evaluateSbomPredicates([sbom, sbom])).toMatchObject({ passed: true })
  })

  it('fails on none, or on one that is not CycloneDX', () => {
    expect(evaluateSbomPredicates([])).toEqual({
      check: 'sbom content',
      passed: false,
      detail: 'no sbom attestation was read'
    })
    expect(evaluateSbomPredicates([{ spdxVersion: 'SPDX-2.3' }, sbom]).passed).toBe(false)
  })
})
