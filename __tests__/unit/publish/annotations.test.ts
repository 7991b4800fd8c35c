import { describe, expect, it } from '@jest/globals'
import { buildAnnotations } from '../../../src/publish/annotations.js'
import { collectFindings } from '../../../src/findings/findings.js'
import { evaluateGate } from '../../../src/findings/gate.js'
import { generateReport, loadFixtures } from '../../harness/generate-report.js'

describe('buildAnnotations', () => {
  it('gives one error for a failed gate and at most 10 warnings, worst first', () => {
    const findings = collectFindings(generateReport(5_000, 4))
    const gate = evaluateGate(findings, 'MEDIUM')
    const annotations = buildAnnotations(findings, gate, { image: 'docker.io/library/alpine:3.10' })
    const errors = annotations.filter((a) => a.level === 'error')
    const warnings = annotations.filter((a) => a.level === 'warning')
    expect(errors).toHaveLength(1)
    expect(errors[0]!.message).toContain(
      `${gate.failing} findings at or above MEDIUM in docker.io/library/alpine:3.10`
    )
    expect(errors[0]!.message).toContain(`${gate.failing - 10} more are in the job summary`)
    expect(warnings).toHaveLength(10)
    expect(warnings.every((w) => w.title.startsWith('CRITICAL '))).toBe(true)
    expect(annotations.every((a) => a.file === undefined)).toBe(true)
  })

  it('warns only about findings at or above the threshold, and gives no error when the gate passed', () => {
    const report = loadFixtures().get('alpine-39.json')!
    const findings = collectFindings(report)
    const annotations = buildAnnotations(findings, evaluateGate(findings, 'CRITICAL'))
    expect(annotations.map((a) => a.level)).toEqual(['error', 'warning', 'warning'])
    const distroless = collectFindings(loadFixtures().get('distroless-base.json')!)
    const passed = buildAnnotations(distroless, evaluateGate(distroless, 'HIGH'))
    expect(passed).toEqual([])
  })

  it('places every annotation on the Dockerfile FROM line when one is given', () => {
    const findings = collectFindings(loadFixtures().get('spring4shell-jre11.json')!)
    const annotations = buildAnnotations(findings, evaluateGate(findings, 'HIGH'), {
      dockerfile: { path: 'services/api/Dockerfile', line: 12 }
    })
    expect(annotations).toHaveLength(2)
    for (const a of annotations)
      expect(a).toMatchObject({ file: 'services/api/Dockerfile', startLine: 12 })
    expect(annotations[1]!.title).toBe(
      'CRITICAL CVE-2022-22965 in org.springframework:spring-beans'
    )
    expect(annotations[1]!.message).toContain('upgrade to 5.3.18')
  })

  it('with fail-on none, has no error and still points at the worst (HIGH and up)', () => {
    const findings = collectFindings(loadFixtures().get('alpine-39.json')!)
    const annotations = buildAnnotations(findings, evaluateGate(findings, 'NONE'))
    expect(annotations.map((a) => a.level)).toEqual(['warning', 'warning'])
  })
})
