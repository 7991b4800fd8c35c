import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import AjvDraft04 from 'ajv-draft-04'
import ajvFormats from 'ajv-formats'
import type { Log } from 'sarif'
import { collectFindings } from '../../../src/findings/findings.js'
import { buildSarif } from '../../../src/publish/sarif.js'
import { parseReport, type TrivyReport } from '../../../src/trivy/report.js'
import { GENERATED_DIGEST, generateReport, loadFixtures } from '../../harness/generate-report.js'
import { SARIF_SCHEMA_FILE } from '../../harness/paths.js'

const schema = JSON.parse(readFileSync(SARIF_SCHEMA_FILE, 'utf8'))
// CommonJS packages: their default export is module.exports, which carries `.default`.
const ajv = new AjvDraft04.default({ allErrors: true, strict: false })
ajvFormats.default(ajv)
const validate = ajv.compile(schema)
const DIGEST = /sha256:[a-f0-9]{64}/

/** Findings counted straight from the report, independently of the code under test. */
function countFindings(report: TrivyReport): number {
  let n = 0
  for (const r of report.Results ?? []) {
    n += (r.Vulnerabilities ?? []).length + (r.Secrets ?? []).length + (r.Licenses ?? []).length
    n += (r.Misconfigurations ?? []).filter((m) => m.Status === 'FAIL').length
  }
  return n
}

function expectNoDigest(log: Log): void {
  const run = log.runs[0]!
  for (const rule of run.tool.driver.rules ?? []) expect(rule.id).not.toMatch(DIGEST)
  for (const result of run.results ?? []) {
    expect(result.ruleId).not.toMatch(DIGEST)
    for (const loc of result.locations ?? []) {
      expect(loc.physicalLocation?.artifactLocation?.uri).not.toMatch(DIGEST)
    }
  }
  expect(run.automationDetails?.id).not.toMatch(DIGEST)
}

const options = {
  toolVersion: '0.74.0',
  category: 'imgsec/library-alpine',
  imageName: 'docker.io/library/alpine'
}

describe('buildSarif on every real trivy report', () => {
  for (const [name, report] of loadFixtures()) {
    it(`${name}: valid SARIF 2.1.0 with one result per finding and no digest`, () => {
      const { log, bytes, resultCount, truncated } = buildSarif(report, options)
      const ok = validate(JSON.parse(bytes.toString()))
      expect(validate.errors ?? []).toEqual([])
      expect(ok).toBe(true)
      expect(resultCount).toBe(countFindings(report))
      expect(log.runs[0]!.results).toHaveLength(countFindings(report))
      expect(truncated).toBeUndefined()
      expectNoDigest(log)
      const rules = log.runs[0]!.tool.driver.rules ?? []
      expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length)
      for (const rule of rules) {
        const score = Number(rule.properties?.['security-severity'])
        expect(score).toBeGreaterThanOrEqual(0.1)
        expect(score).toBeLessThanOrEqual(10)
        expect(rule.help?.markdown).toContain(rule.id)
        expect(rule.help?.markdown).toMatch(/^\| (Package|File) \|/m)
      }
    })
  }

  it('uses the CVSS score of the severity source and trivy-like levels', () => {
    const report = loadFixtures().get('spring4shell-jre11.json')!
    const { log } = buildSarif(report, options)
    const rule = log.runs[0]!.tool.driver.rules!.find((r) => r.id === 'CVE-2022-22965')!
    expect(rule.properties?.['security-severity']).toBe('9.8')
    expect(rule.properties?.tags).toEqual(
      expect.arrayContaining(['vulnerability', 'security', 'CRITICAL', 'external/cwe/cwe-94'])
    )
    expect(rule.help?.markdown).toContain('| org.springframework:spring-beans | 5.3.15 | 5.3.18 |')
    expect(log.runs[0]!.results![0]!.level).toBe('error')
    // The jar's path inside the image is the location when no Dockerfile is given.
    expect(log.runs[0]!.results![0]!.locations![0]!.physicalLocation!.artifactLocation!.uri).toBe(
      'docker.io/library/alpine/usr/local/tomcat/webapps/helloworld.war/WEB-INF/lib/spring-beans-5.3.15.jar'
    )
  })

  it('places every result on the Dockerfile FROM line when one is given', () => {
    const report = loadFixtures().get('alpine-310.json')!
    const { log } = buildSarif(report, {
      ...options,
      dockerfile: { uri: 'docker/app/Dockerfile', line: 7 }
    })
    for (const result of log.runs[0]!.results!) {
      expect(result.locations![0]!.physicalLocation).toEqual({
        artifactLocation: { uri: 'docker/app/Dockerfile' },
        region: { startLine: 7 }
      })
    }
  })

  it('gives the same fingerprints to the same findings in a rebuilt image (new digest)', () => {
    const first = generateReport(200, 3)
    const rebuilt = JSON.parse(
      JSON.stringify(first).replaceAll(GENERATED_DIGEST, 'sha256:' + 'cd34'.repeat(16))
    )
    const prints = (r: TrivyReport): unknown[] =>
      buildSarif(r, options).log.runs[0]!.results!.map((x) => x.partialFingerprints)
    expect(prints(rebuilt)).toEqual(prints(first))
    expect(new Set(prints(first).map((p) => JSON.stringify(p))).size).toBe(200)
  })
})

describe('GitHub limits', () => {
  it('keeps the 25,000 most severe of 30,000 findings, under 10 MB gzip, and says so', () => {
    const report = parseReport(JSON.stringify(generateReport(30_000, 7)))
    const findings = collectFindings(report)
    const { log, bytes, resultCount, truncated } = buildSarif(findings, options)
    expect(resultCount).toBeLessThanOrEqual(25_000)
    expect(log.runs[0]!.results).toHaveLength(resultCount)
    expect(gzipSync(bytes).length).toBeLessThan(10_000_000)
    expect(truncated).toEqual({ total: 30_000, kept: resultCount, reason: expect.any(String) })
    expect(log.runs[0]!.properties?.imgsec).toMatchObject({
      truncated: true,
      total: 30_000,
      kept: resultCount
    })
    // What was cut is the least severe: every kept result is at least as severe as every dropped one.
    const rank = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN']
    const lastKept = rank.indexOf(findings[resultCount - 1]!.severity)
    expect(rank.indexOf(findings[resultCount]!.severity)).toBeGreaterThanOrEqual(lastKept)
    expect(findings.slice(0, resultCount).filter((f) => f.severity === 'CRITICAL').length).toBe(
      findings.filter((f) => f.severity === 'CRITICAL').length
    )
    expectNoDigest(log)
    // The schema's uniqueItems checks are quadratic in ajv: validate the shape on a slice, and
    // check the uniqueness that matters (rule ids, fingerprints) directly.
    const run = log.runs[0]!
    const rules = run.tool.driver.rules!
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length)
    const prints = new Set(run.results!.map((r) => r.partialFingerprints!['imgsecFindingHash/v1']))
    expect(prints.size).toBe(resultCount)
    const slice = JSON.parse(bytes.toString()) as Log
    slice.runs[0]!.results = slice.runs[0]!.results!.filter((r) => r.ruleIndex! < 500)
    slice.runs[0]!.tool.driver.rules = slice.runs[0]!.tool.driver.rules!.slice(0, 500)
    expect(validate(slice)).toBe(true)
  })

  it('keeps the most severe results themselves: what runs[0].results holds, whatever the report order', () => {
    // 40 vulnerabilities, each its own rule, severities interleaved in the report: 8 of each.
    const severities = ['LOW', 'CRITICAL', 'UNKNOWN', 'MEDIUM', 'HIGH']
    const vulnerabilities = Array.from({ length: 40 }, (_, i) => ({
      VulnerabilityID: `CVE-2026-${String(1000 + i)}`,
      PkgName: `pkg${i}`,
      InstalledVersion: '1.0',
      Severity: severities[i % severities.length],
      Title: `finding ${i}`
    }))
    const report = parseReport(
      JSON.stringify({
        SchemaVersion: 2,
        ArtifactName: 'alpine:3.22',
        Results: [
          {
            Target: 'alpine 3.22',
            Class: 'os-pkgs',
            Type: 'alpine',
            Vulnerabilities: vulnerabilities
          }
        ]
      })
    )
    const { log, truncated } = buildSarif(report, { ...options, maxResults: 12 })
    const run = log.runs[0]!
    const rules = run.tool.driver.rules!
    const kept = run.results!.map((result) => {
      const tags = rules[result.ruleIndex!]!.properties!.tags as string[]
      return tags.find((tag) => severities.includes(tag))
    })
    // All 8 critical, then 4 of the 8 high; nothing below high.
    expect(kept.filter((s) => s === 'CRITICAL')).toHaveLength(8)
    expect(kept.filter((s) => s === 'HIGH')).toHaveLength(4)
    expect(kept).toHaveLength(12)
    expect(run.results!.filter((r) => r.level === 'error')).toHaveLength(12)
    expect(truncated).toMatchObject({ total: 40, kept: 12 })
  })

  it('cuts further when the compressed size is over the limit, by the measured ratio', () => {
    const report = generateReport(2_000, 5)
    const { bytes, resultCount, truncated } = buildSarif(report, {
      ...options,
      maxGzipBytes: 100_000
    })
    expect(gzipSync(bytes).length).toBeLessThanOrEqual(100_000)
    expect(resultCount).toBeGreaterThan(0)
    expect(truncated?.reason).toMatch(/upload limit/)
  })
})

describe('run category', () => {
  it('is `<category>/`, with no digest even when one was passed in', () => {
    const { log } = buildSarif(generateReport(10), {
      ...options,
      category: `x/${GENERATED_DIGEST}`
    })
    expect(log.runs[0]!.automationDetails!.id).toBe('x/')
    const plain = buildSarif(generateReport(10), options).log
    expect(plain.runs[0]!.automationDetails!.id).toBe('imgsec/library-alpine/')
  })
})

describe('text from the image', () => {
  // Strings trivy copies from advisories and file names: quotes, backslashes, control characters,
  // non-ASCII, characters outside the BMP and a lone surrogate (a name cut mid-character).
  const NASTY = [
    'say "hi"',
    'C:\\path',
    'tab\tnew\nline\u0001',
    'Grüße, 日本語',
    'emoji 😀',
    'cut \ud83d',
    '\u2028 separators \u2029'
  ]

  function nastyReport(): TrivyReport {
    const report = generateReport(30, 9)
    const vulns = report.Results!.flatMap((r) => r.Vulnerabilities ?? [])
    vulns.forEach((v, i) => {
      const text = NASTY[i % NASTY.length]!
      v.Title = `title ${text}`
      v.PkgName = `pkg ${text}`
      v.PkgPath = `/opt/${text}/lib`
    })
    return report
  }

  it('comes through the SARIF bytes exactly as JSON.stringify would write it', () => {
    const report = nastyReport()
    const { bytes, log } = buildSarif(report, options)
    // The bytes are the UTF-8 of the log's own JSON text: nothing lost, nothing doubly escaped.
    expect(bytes.equals(Buffer.from(JSON.stringify(log)))).toBe(true)
    const messages = log.runs[0]!.results!.map((r) => r.message.text ?? '')
    const titles = collectFindings(report).map((f) => f.title)
    for (const title of titles) {
      expect(messages.some((m) => m.includes(title))).toBe(true)
    }
    const uris = log.runs[0]!.results!.map(
      (r) => r.locations![0]!.physicalLocation!.artifactLocation!.uri!
    )
    // Every location is a valid URI path, also for the name with a lone surrogate.
    for (const uri of uris) expect(() => decodeURIComponent(uri)).not.toThrow()
    expect(validate(JSON.parse(bytes.toString('utf8')))).toBe(true)
  })
})
