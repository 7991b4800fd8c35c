import { describe, expect, it } from '@jest/globals'
import { SEVERITIES, type FailOn, type Severity } from '../../../src/types.js'
import { collectFindings } from '../../../src/findings/findings.js'
import { describeFailing, evaluateGate } from '../../../src/findings/gate.js'
import { parseReport, type TrivyReport } from '../../../src/trivy/report.js'
import { loadFixtures } from '../../harness/generate-report.js'

/** Counts straight from the report's JSON, independently of the code under test. */
function countByHand(report: TrivyReport): {
  vulns: Record<string, number>
  fixable: Record<string, number>
  misconfigs: Record<string, number>
} {
  const vulns: Record<string, number> = {}
  const fixable: Record<string, number> = {}
  const misconfigs: Record<string, number> = {}
  for (const r of report.Results ?? []) {
    for (const v of r.Vulnerabilities ?? []) {
      vulns[v.Severity] = (vulns[v.Severity] ?? 0) + 1
      if (v.FixedVersion) fixable[v.Severity] = (fixable[v.Severity] ?? 0) + 1
    }
    for (const m of r.Misconfigurations ?? []) {
      if (m.Status === 'FAIL') misconfigs[m.Severity] = (misconfigs[m.Severity] ?? 0) + 1
    }
  }
  return { vulns, fixable, misconfigs }
}

const fixtures = loadFixtures()

describe('evaluateGate counts', () => {
  for (const [name, report] of fixtures) {
    it(`${name}: counts by severity and fixable equal the report's own`, () => {
      const gate = evaluateGate(report, 'HIGH')
      const hand = countByHand(report)
      for (const s of SEVERITIES) {
        expect(gate.counts[s]).toBe(hand.vulns[s] ?? 0)
        expect(gate.fixable[s]).toBe(hand.fixable[s] ?? 0)
        expect(gate.misconfigurations[s]).toBe(hand.misconfigs[s] ?? 0)
      }
      expect(gate.total).toBe(Object.values(hand.vulns).reduce((a, b) => a + b, 0))
    })
  }

  it('alpine-39: the known counts (2 critical, 4 medium, all fixable)', () => {
    const gate = evaluateGate(fixtures.get('alpine-39.json')!, 'HIGH')
    expect(gate.counts).toEqual({ CRITICAL: 2, HIGH: 0, MEDIUM: 4, LOW: 0, UNKNOWN: 0 })
    expect(gate.fixable).toEqual(gate.counts)
    expect(describeFailing(gate)).toBe('2 critical')
  })

  it('distroless-base: 2 of 4 fixable, and a HIGH gate passes', () => {
    const gate = evaluateGate(fixtures.get('distroless-base.json')!, 'HIGH')
    expect(gate.fixable).toEqual({ CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 2, UNKNOWN: 0 })
    expect(gate.verdict).toBe('passed')
  })

  it('accepts findings as well as the report, with the same result', () => {
    const report = fixtures.get('centos-7.json')!
    expect(evaluateGate(collectFindings(report), 'MEDIUM')).toEqual(evaluateGate(report, 'MEDIUM'))
  })
})

describe('evaluateGate verdicts', () => {
  const alpine = fixtures.get('alpine-39.json')!

  it.each<[FailOn, 'passed' | 'failed', number]>([
    ['CRITICAL', 'failed', 2],
    ['HIGH', 'failed', 2],
    ['MEDIUM', 'failed', 6],
    ['LOW', 'failed', 6],
    ['UNKNOWN', 'failed', 6],
    ['NONE', 'passed', 0]
  ])('fail-on %s -> %s with %i failing', (failOn, verdict, failing) => {
    const gate = evaluateGate(alpine, failOn)
    expect(gate.verdict).toBe(verdict)
    expect(gate.failing).toBe(failing)
    expect(gate.threshold).toBe(failOn)
  })

  it('fail-on none passes even a report full of critical findings', () => {
    const report = fixtures.get('spring4shell-jre11.json')!
    expect(evaluateGate(report, 'NONE').verdict).toBe('passed')
    expect(evaluateGate(report, 'CRITICAL').verdict).toBe('failed')
  })

  it('counts misconfigurations toward the gate, but not passed checks', () => {
    const helm = structuredClone(fixtures.get('helm.json')!)
    const misconfigs = helm.Results![0]!.Misconfigurations!
    const failingHigh = misconfigs.filter((m) => m.Severity === 'HIGH').length
    expect(evaluateGate(helm, 'HIGH').failing).toBe(failingHigh)
    for (const m of misconfigs) if (m.Severity === 'HIGH') m.Status = 'PASS'
    const gate = evaluateGate(helm, 'HIGH')
    expect(gate.misconfigurations.HIGH).toBe(0)
    expect(gate.failing).toBe(0)
    expect(gate.verdict).toBe('passed')
  })

  it('counts secrets toward the gate', () => {
    const report = parseReport(
      JSON.stringify({
        SchemaVersion: 2,
        ArtifactName: 'img',
        Results: [
          {
            Target: '/app/.env',
            Class: 'secret',
            Secrets: [
              {
                RuleID: 'github-pat',
                Category: 'GitHub',
                Severity: 'CRITICAL',
                Title: 'GitHub PAT',
                StartLine: 2,
                EndLine: 2
              }
            ]
          }
        ]
      })
    )
    const gate = evaluateGate(report, 'HIGH')
    expect(gate.secrets.CRITICAL).toBe(1)
    expect(gate.total).toBe(0)
    expect(gate.verdict).toBe('failed')
    expect(describeFailing(gate)).toBe('1 critical')
  })

  it('counts licenses toward the gate', () => {
    // trivy's license scanner: one result per class, a finding per package license it classifies.
    const report = parseReport(
      JSON.stringify({
        SchemaVersion: 2,
        ArtifactName: 'img',
        Results: [
          {
            Target: 'OS Packages',
            Class: 'license',
            Licenses: [
              {
                Severity: 'HIGH',
                Category: 'restricted',
                PkgName: 'readline',
                FilePath: '',
                Name: 'GPL-3.0-only',
                Confidence: 1,
                Link: ''
              },
              {
                Severity: 'LOW',
                Category: 'notice',
                PkgName: 'musl',
                FilePath: '',
                Name: 'MIT',
                Confidence: 1,
                Link: ''
              }
            ]
          }
        ]
      })
    )
    const gate = evaluateGate(report, 'HIGH')
    expect(gate.verdict).toBe('failed')
    expect(gate.failing).toBe(1)
    expect(gate.licenses).toEqual({ CRITICAL: 0, HIGH: 1, MEDIUM: 0, LOW: 1, UNKNOWN: 0 })
    expect(gate.total).toBe(0)
    expect(describeFailing(gate)).toBe('1 high')
    expect(evaluateGate(report, 'CRITICAL').verdict).toBe('passed')
    expect(evaluateGate(report, 'LOW').failing).toBe(2)
  })

  it('treats an unknown severity string as UNKNOWN', () => {
    const report = structuredClone(fixtures.get('alpine-310.json')!)
    for (const v of report.Results![0]!.Vulnerabilities!) v.Severity = 'SEVERE' as Severity
    const gate = evaluateGate(report, 'LOW')
    expect(gate.counts.UNKNOWN).toBe(4)
    expect(gate.verdict).toBe('passed')
  })
})

describe('parseReport', () => {
  it('says what is wrong with a file that is not a trivy JSON report', () => {
    expect(() => parseReport('{"version":"2.1.0","runs":[]}')).toThrow(
      /not a trivy JSON report.*SARIF/
    )
    expect(() => parseReport('Total: 3 (HIGH: 3)')).toThrow(/not JSON/)
    expect(() => parseReport('{"SchemaVersion":1,"ArtifactName":"x"}')).toThrow(
      /SchemaVersion is 1/
    )
    expect(() => parseReport('{"SchemaVersion":2,"ArtifactName":"x","Results":{}}')).toThrow(
      /Results is not a list/
    )
  })

  it('accepts a report without Results (nothing found)', () => {
    const report = parseReport('{"SchemaVersion":2,"ArtifactName":"alpine","Unknown":1}')
    expect(evaluateGate(report, 'LOW')).toMatchObject({ verdict: 'passed', total: 0, failing: 0 })
  })
})
