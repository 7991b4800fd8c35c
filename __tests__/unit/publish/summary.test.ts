import { describe, expect, it } from '@jest/globals'
import type { ResolvedImage, StepRecord } from '../../../src/types.js'
import { collectFindings } from '../../../src/findings/findings.js'
import { evaluateGate } from '../../../src/findings/gate.js'
import { renderLogText } from '../../../src/publish/log-text.js'
import { buildSarif } from '../../../src/publish/sarif.js'
import {
  renderSummary,
  SUMMARY_MAX_BYTES,
  type RunSummaryInput
} from '../../../src/publish/summary.js'
import type { TrivyReport } from '../../../src/trivy/report.js'
import { generateReport, loadFixtures } from '../../harness/generate-report.js'

const digest = 'sha256:' + '9f'.repeat(32)
const image: ResolvedImage = {
  ref: { registry: 'docker.io', repository: 'library/alpine', tag: '3.10' },
  name: 'docker.io/library/alpine',
  digest,
  pinnedRef: `docker.io/library/alpine@${digest}`,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  isIndex: true,
  platformImages: [{ platform: 'linux/amd64', digest }]
}
const steps: StepRecord[] = [
  { step: 'scan', status: 'passed', durationMs: 12_345 },
  { step: 'gate', status: 'failed', durationMs: 3 },
  { step: 'sign', status: 'skipped', durationMs: 0, reason: 'gate failed' }
]

function inputFor(report: TrivyReport, extra: Partial<RunSummaryInput> = {}): RunSummaryInput {
  const findings = collectFindings(report)
  return {
    imageInput: 'alpine:3.10',
    image,
    steps,
    findings,
    gate: evaluateGate(findings, 'HIGH'),
    toolVersions: { trivy: '0.74.0', cosign: '3.0.6' },
    ...extra
  }
}

describe('renderSummary', () => {
  const alpine = loadFixtures().get('alpine-39.json')!

  it('names the ignore file and VEX documents the counts reflect', () => {
    const filters = { ignoreFile: '.trivyignore', vex: ['vex/app.openvex.json'] }
    const md = renderSummary(inputFor(alpine, { filters }))
    expect(md).toContain(
      'Suppressions trivy applied: ignore file `.trivyignore`, VEX `vex/app.openvex.json`.'
    )
    expect(renderSummary(inputFor(alpine, { filters: { vex: [] } }))).toContain(
      'No ignore file or VEX document was applied.'
    )
  })

  it('leads with the verdict, then names the image and its digest', () => {
    const md = renderSummary(inputFor(alpine))
    const [title] = md.split('\n')
    expect(title).toBe('## ❌ Gate failed: 2 critical at or above HIGH')
    expect(md).toContain('`docker.io/library/alpine:3.10`')
    expect(md).toContain(`\`${digest}\``)
    expect(md).toContain('| sign | ⏭️ skipped | — | gate failed |')
    expect(md).toContain('| scan | ✅ passed | 12.3 s |')
  })

  it('shows counts with fixable numbers and the worst finding first, linked', () => {
    const md = renderSummary(inputFor(alpine))
    expect(md).toMatch(/\| \*\*CRITICAL\*\* ⛔ \| 2 \| 2 \|/)
    expect(md).toMatch(/\| MEDIUM \| 4 \| 4 \|/)
    const firstRow = md.split('\n').find((l) => l.startsWith('| CRITICAL'))!
    expect(firstRow).toMatch(/\[CVE-[\d-]+\]\(https:\/\/avd\.aquasec\.com\/nvd\/cve-[\d-]+\)/)
  })

  it('says when the gate passed', () => {
    const distroless = loadFixtures().get('distroless-base.json')!
    const md = renderSummary(
      inputFor(distroless, {
        steps: [
          { step: 'scan', status: 'passed', durationMs: 900 },
          { step: 'gate', status: 'passed', durationMs: 1 }
        ]
      })
    )
    expect(md.split('\n')[0]).toBe('## ✅ Gate passed: nothing at or above HIGH')
  })

  it('escapes Markdown and HTML that come from the report', () => {
    const report = structuredClone(alpine)
    const vuln = report.Results![0]!.Vulnerabilities![0]!
    vuln.Title = 'a | b <script>alert(1)</script> [x](javascript:y)'
    vuln.PkgName = 'pkg|name'
    vuln.PrimaryURL = 'javascript:alert(1)'
    const md = renderSummary(inputFor(report))
    expect(md).not.toContain('<script>')
    expect(md).not.toContain('javascript:alert')
    expect(md).toContain('a &#124; b &lt;script&gt;')
    expect(md).toContain('pkg&#124;name')
    // Every table row still has its six cells.
    for (const line of md
      .split('\n')
      .filter((l) => l.startsWith('| CRITICAL') || l.startsWith('| MEDIUM '))) {
      if (line.includes('CVE-')) expect(line.split(' | ')).toHaveLength(6)
    }
  })

  it('stays under 1 MiB for 30,000 findings and says how many are not shown', () => {
    const report = generateReport(30_000, 11, { secrets: 200, misconfigurations: 200 })
    const findings = collectFindings(report)
    const sarif = buildSarif(findings, {
      toolVersion: '0.74.0',
      category: 'imgsec/x',
      imageName: image.name
    })
    const md = renderSummary(
      inputFor(report, {
        findings,
        gate: evaluateGate(findings, 'LOW'),
        sarif: { file: 'imgsec-results.sarif', ...sarif }
      })
    )
    expect(Buffer.byteLength(md)).toBeLessThan(1024 * 1024)
    expect(md).toMatch(/### Worst vulnerabilities \(50 of 29600\)/)
    expect(md).toContain('29550 more not shown — see the SARIF (`imgsec-results.sarif`)')
    expect(md).toMatch(/### Secrets \(50 of 200\)/)
    expect(md).toMatch(/SARIF holds the 25000 most severe of 30000 findings/)
  })

  it('cuts the findings tables when that is what it takes to fit the byte limit', () => {
    const md = renderSummary(inputFor(generateReport(2_000, 2)), { maxBytes: 12_000 })
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(12_000)
    expect(md).toMatch(/### Worst vulnerabilities \((\d+) of 2000\)/)
    expect(SUMMARY_MAX_BYTES).toBeLessThan(1024 * 1024)
  })

  it('shows signer, transparency-log entry and what verification checked', () => {
    const target = { platform: 'linux/amd64', digest, ref: image.pinnedRef }
    const md = renderSummary(
      inputFor(alpine, {
        gate: evaluateGate(alpine, 'NONE'),
        sign: {
          signer: {
            kind: 'keyless',
            identity: 'https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main',
            issuer: 'https://token.actions.githubusercontent.com'
          },
          images: [
            {
              target,
              signatureRef: `docker.io/library/alpine:${digest.replace(':', '-')}.sig`,
              tlogEntry: { logIndex: 123456, url: 'https://search.sigstore.dev/?logIndex=123456' }
            }
          ]
        },
        verify: {
          verified: true,
          images: [
            {
              target,
              verified: true,
              checks: [
                { check: 'signature', passed: true, detail: `digest equals ${digest}` },
                { check: 'identity', passed: true, detail: 'certificate identity and issuer match' }
              ]
            }
          ],
          signer: { kind: 'key', fingerprint: 'SHA256:abcd', keySource: 'cosign.pub' }
        }
      })
    )
    expect(md).toContain(
      '`https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main`'
    )
    expect(md).toContain('issuer `https://token.actions.githubusercontent.com`')
    expect(md).toContain('[entry 123456](https://search.sigstore.dev/?logIndex=123456)')
    expect(md).toContain('### ✅ Signature verified')
    expect(md).toContain(`- ✅ signature: digest equals ${digest}`)
    expect(md).toContain('key `SHA256:abcd` from cosign.pub')
  })

  it('shows the counts of a scan-only run and says the gate did not run', () => {
    const md = renderSummary({
      ...inputFor(alpine),
      gate: undefined,
      steps: [{ step: 'scan', status: 'passed', durationMs: 1500 }]
    })
    expect(md.split('\n')[0]).toBe('## ✅ Completed: scan')
    expect(md).toContain('The gate did not run')
    expect(md).toMatch(/\| CRITICAL \| 2 \| 2 \|/)
  })

  it('names a non-registry image without pretending to know a digest', () => {
    const md = renderSummary({ ...inputFor(alpine), image: undefined, imageInput: 'app.tar' })
    expect(md).toContain('`app.tar` (not a registry image: no digest)')
  })
})

describe('renderLogText', () => {
  it('gives the verdict and counts as plain text', () => {
    const alpine = loadFixtures().get('alpine-39.json')!
    const text = renderLogText(inputFor(alpine))
    const lines = text.split('\n')
    expect(lines[0]).toBe('Gate failed: 2 critical at or above HIGH')
    expect(text).toContain(
      'Vulnerabilities: 2 critical (2 fixable), 0 high, 4 medium (4 fixable), 0 low, 0 unknown; 6 in total'
    )
    expect(text).toContain(`Image: ${image.pinnedRef}`)
  })

  it('cannot be turned into a workflow command by a value from the report', () => {
    const report = structuredClone(loadFixtures().get('alpine-39.json')!)
    for (const v of report.Results![0]!.Vulnerabilities!) v.PkgName = 'x\n::set-env name=A::b'
    const text = renderLogText(inputFor(report))
    for (const line of text.split('\n')) expect(line.startsWith('::')).toBe(false)
  })
})
