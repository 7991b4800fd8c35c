// Strings from a scanned image's report stay text in every report: a URL cannot add a link of its
// own to the summary or the SARIF help, and huge names from the image are clipped where findings
// are collected, so that no report grows with them.
import { describe, expect, it } from '@jest/globals'
import { collectFindings, MAX_LENGTH } from '../../../src/findings/findings.js'
import { evaluateGate } from '../../../src/findings/gate.js'
import { buildAnnotations } from '../../../src/publish/annotations.js'
import { renderLogText } from '../../../src/publish/log-text.js'
import { link } from '../../../src/publish/markdown.js'
import { buildSarif } from '../../../src/publish/sarif.js'
import { renderSummary, type RunSummaryInput } from '../../../src/publish/summary.js'
import type { TrivyReport } from '../../../src/trivy/report.js'

const INJECTED = 'https://nvd.example/CVE-2026-1)[Fix](https://attacker.example/x'

function report(vulnerabilities: Array<Record<string, unknown>>): TrivyReport {
  return {
    SchemaVersion: 2,
    ArtifactName: 'ghcr.io/org/app',
    Results: [
      {
        Target: 'ghcr.io/org/app (alpine 3.20)',
        Class: 'os-pkgs',
        Vulnerabilities: vulnerabilities
      }
    ]
  } as unknown as TrivyReport
}

function summaryOf(findings: ReturnType<typeof collectFindings>): RunSummaryInput {
  return {
    imageInput: 'ghcr.io/org/app:1',
    steps: [{ step: 'scan', status: 'passed', durationMs: 1 }],
    findings,
    gate: evaluateGate(findings, 'HIGH'),
    toolVersions: { trivy: '0.74.0' }
  }
}

const SARIF_OPTIONS = {
  toolVersion: '0.74.0',
  category: 'imgsec/app',
  imageName: 'ghcr.io/org/app'
}

/** The destinations of every Markdown link in `text`. */
function linkTargets(text: string): string[] {
  return [...text.matchAll(/\]\(([^)\s]*)\)/g)].map((m) => m[1] ?? '')
}

describe('a report URL that tries to close its link', () => {
  const findings = collectFindings(
    report([
      {
        VulnerabilityID: 'CVE-2026-1',
        PkgName: 'openssl',
        InstalledVersion: '3.0.0',
        Severity: 'CRITICAL',
        Title: 'bad',
        PrimaryURL: INJECTED
      }
    ])
  )

  it('stays one link to the URL it names, never a link to another site', () => {
    expect(link('CVE-2026-1', INJECTED)).not.toContain('](https://attacker.example')
    const summary = renderSummary(summaryOf(findings))
    const help = JSON.stringify(buildSarif(findings, SARIF_OPTIONS).log.runs[0]?.tool.driver.rules)
    for (const markdown of [summary, JSON.parse(help) as unknown].map((x) => JSON.stringify(x))) {
      expect(markdown).not.toContain('](https://attacker.example')
    }
    for (const target of linkTargets(summary)) expect(target).not.toMatch(/^https:\/\/attacker/)
    expect(summary).toContain(
      'https://nvd.example/CVE-2026-1%29%5BFix%5D%28https://attacker.example/x'
    )
  })
})

describe('ten 3 MiB package names from the image', () => {
  const huge = (c: string): string => c.repeat(3 * 1024 * 1024)
  const vulnerabilities = Array.from({ length: 10 }, (_, i) => ({
    VulnerabilityID: `CVE-2026-${i}`,
    PkgName: huge(String.fromCharCode(97 + i)),
    PkgPath: huge('p'),
    InstalledVersion: huge('1'),
    Severity: 'CRITICAL',
    Title: huge('t')
  }))
  const findings = collectFindings(report(vulnerabilities))

  it('are clipped where findings are collected', () => {
    for (const f of findings) {
      expect(f.pkg?.length).toBeLessThanOrEqual(MAX_LENGTH.name)
      expect(f.installed?.length).toBeLessThanOrEqual(MAX_LENGTH.name)
      expect(f.path?.length).toBeLessThanOrEqual(MAX_LENGTH.path)
      expect(f.title.length).toBeLessThanOrEqual(MAX_LENGTH.title)
      expect(f.pkg).toMatch(/\.\.\.$/)
    }
  })

  it('make a small log, summary, annotations and SARIF', () => {
    const summary = summaryOf(findings)
    expect(renderLogText(summary).length).toBeLessThan(100_000)
    expect(renderSummary(summary).length).toBeLessThan(100_000)
    const annotations = buildAnnotations(findings, evaluateGate(findings, 'HIGH'), {
      image: 'ghcr.io/org/app:1',
      warningsLeft: 10
    })
    expect(JSON.stringify(annotations).length).toBeLessThan(100_000)
    expect(buildSarif(findings, SARIF_OPTIONS).bytes.length).toBeLessThan(1_000_000)
  })
})
