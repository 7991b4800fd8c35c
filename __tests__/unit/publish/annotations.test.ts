import { describe, expect, it } from '@jest/globals'
import { buildAnnotations } from '../../../src/publish/annotations.js'
import { collectFindings, type Finding } from '../../../src/findings/findings.js'
import { mergeFindings } from '../../../src/publish/platform-findings.js'
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

describe('buildAnnotations for a multi-platform image', () => {
  const high = (i: number): Finding => ({
    kind: 'vulnerability',
    id: `CVE-2026-${1000 + i}`,
    severity: 'HIGH',
    target: 'ghcr.io/acme/api (alpine 3.22)',
    pkg: `pkg${i}`,
    installed: '1.0',
    title: `finding ${i}`,
    fixable: false
  })

  it('names the platforms of each finding, a finding on several platforms taking one warning', () => {
    // The same 12 findings on three platforms, and one more only on linux/arm64.
    const same = Array.from({ length: 12 }, (_, i) => high(i))
    const critical: Finding = { ...high(99), severity: 'CRITICAL' }
    const merged = mergeFindings([
      { label: 'linux/amd64', findings: same },
      { label: 'linux/arm64', findings: [critical, ...same.map((f) => ({ ...f }))] },
      { label: 'linux/arm/v7', findings: same.map((f) => ({ ...f })) }
    ])
    const gate = evaluateGate(merged.findings, 'HIGH')
    const annotations = buildAnnotations(merged.findings, gate, {
      platformsOf: merged.platformsOf,
      failingPlatforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7'],
      warningsLeft: 8
    })
    const warnings = annotations.filter((a) => a.level === 'warning')
    expect(warnings).toHaveLength(8)
    expect(new Set(warnings.map((w) => w.title)).size).toBe(8)
    expect(warnings[0]!.title).toBe('CRITICAL CVE-2026-1099 in pkg99 on linux/arm64')
    expect(warnings[0]!.message).toContain('On platform linux/arm64.')
    expect(warnings[1]!.title).toBe(
      'HIGH CVE-2026-1000 in pkg0 on linux/amd64, linux/arm64, linux/arm/v7'
    )
    expect(annotations[0]!.message).toContain(
      '13 findings at or above HIGH on linux/amd64, linux/arm64, linux/arm/v7'
    )
  })

  it('names no platform for a single image', () => {
    const annotations = buildAnnotations([high(1)], evaluateGate([high(1)], 'HIGH'))
    expect(annotations[1]!.title).toBe('HIGH CVE-2026-1001 in pkg1')
    expect(annotations[1]!.message).not.toContain('platform')
  })
})
