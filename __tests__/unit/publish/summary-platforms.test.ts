// The job summary and log of a multi-platform image: the verdict names the failing platforms, one
// row per platform image, one row per finding however many platforms it is on (naming them), and
// the signatures, attestations and verification of every digest labelled with its platform.
import { describe, expect, it } from '@jest/globals'
import type { ImageTarget, ResolvedImage, SignerInfo, StepRecord } from '../../../src/types.js'
import type { Finding } from '../../../src/findings/findings.js'
import { collectFindings } from '../../../src/findings/findings.js'
import { evaluateGate } from '../../../src/findings/gate.js'
import { renderLogText } from '../../../src/publish/log-text.js'
import { mergeFindings, type PlatformReport } from '../../../src/publish/platform-findings.js'
import { renderSummary, type RunSummaryInput } from '../../../src/publish/summary.js'
import { generateReport } from '../../harness/generate-report.js'

const digest = (c: string): string => `sha256:${c.repeat(64)}`
const INDEX_DIGEST = digest('e')
const PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm/v7']
const index: ResolvedImage = {
  ref: { registry: 'ghcr.io', repository: 'acme/api', tag: 'v2' },
  name: 'ghcr.io/acme/api',
  digest: INDEX_DIGEST,
  pinnedRef: `ghcr.io/acme/api@${INDEX_DIGEST}`,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  isIndex: true,
  platformImages: PLATFORMS.map((platform, i) => ({ platform, digest: digest(String(i + 1)) }))
}
const targets: ImageTarget[] = PLATFORMS.map((platform, i) => ({
  platform,
  digest: digest(String(i + 1)),
  ref: `ghcr.io/acme/api@${digest(String(i + 1))}`
}))
const indexTarget: ImageTarget = { index: true, digest: INDEX_DIGEST, ref: index.pinnedRef }
const steps: StepRecord[] = [
  { step: 'scan', status: 'passed', durationMs: 3000 },
  { step: 'gate', status: 'failed', durationMs: 2 }
]
const signer: SignerInfo = { kind: 'key', fingerprint: 'SHA256:abcd', keySource: 'cosign.key' }

function vuln(id: string, severity: Finding['severity'], pkg = 'openssl'): Finding {
  const fixed = '9.9'
  return {
    kind: 'vulnerability',
    ...{ id, severity, pkg, installed: '1.0', fixed, title: `${id} title`, fixable: true },
    target: 'ghcr.io/acme/api (alpine 3.22)'
  }
}

/** A summary input as the report phase builds it from per-platform findings (PLATFORMS order). */
function multiInput(perPlatform: Finding[][], extra: Partial<RunSummaryInput> = {}) {
  const scans = perPlatform.map((findings, i) => ({ label: PLATFORMS[i]!, findings }))
  const merged = mergeFindings(scans)
  const platforms: PlatformReport[] = perPlatform.map((findings, i) => ({
    label: PLATFORMS[i]!,
    platform: PLATFORMS[i],
    digest: targets[i]!.digest,
    ref: targets[i]!.ref,
    counts: evaluateGate(findings, 'HIGH'),
    gated: true
  }))
  const input: RunSummaryInput = {
    imageInput: 'ghcr.io/acme/api:v2',
    image: index,
    steps,
    gate: evaluateGate(merged.findings, 'HIGH'),
    findings: merged.findings,
    platforms,
    platformsOf: merged.platformsOf,
    toolVersions: { trivy: '0.74.0' },
    ...extra
  }
  return input
}

const shared = vuln('CVE-2026-0001', 'CRITICAL')
const armOnly = vuln('CVE-2026-0002', 'CRITICAL', 'musl')
const medium = vuln('CVE-2026-0003', 'MEDIUM', 'zlib')
const failingOnArm = (): RunSummaryInput =>
  multiInput([[medium], [{ ...shared }, armOnly, medium], [{ ...shared }]])

describe('renderSummary for a multi-platform image', () => {
  it('leads with a verdict that names the failing platforms', () => {
    const input = multiInput([[medium], [armOnly, medium], [{ ...medium }]])
    expect(renderSummary(input).split('\n')[0]).toBe(
      '## ❌ Gate failed on linux/arm64 (1 of 3 platforms): 1 critical at or above HIGH'
    )
  })

  it('names the one platform chosen, and says all platforms passed when they did', () => {
    expect(renderSummary(multiInput([[armOnly]])).split('\n')[0]).toBe(
      '## ❌ Gate failed on linux/amd64: 1 critical at or above HIGH'
    )
    const passed = multiInput([[medium], [medium]], { steps: [] })
    expect(renderSummary(passed).split('\n')[0]).toBe(
      '## ✅ Gate passed on all 2 platforms: nothing at or above HIGH'
    )
  })

  it('has one row per platform: platform, short digest, verdict, counts and fixable', () => {
    const md = renderSummary(failingOnArm())
    expect(md).toContain(
      `**Image** \`ghcr.io/acme/api:v2\` · **Index** \`${INDEX_DIGEST}\` · all 3 platform images scanned`
    )
    expect(md).toContain(
      '| Platform | Digest | Verdict | Critical | High | Medium | Low | Unknown | Fixable |'
    )
    expect(md).toContain(
      '| linux/amd64 | `sha256:111111111111` | ✅ passed | 0 | 0 | 1 | 0 | 0 | 1 |'
    )
    expect(md).toContain(
      '| linux/arm64 | `sha256:222222222222` | ❌ failed: 2 critical | **2** | 0 | 1 | 0 | 0 | 3 |'
    )
    expect(md).toContain(
      '| linux/arm/v7 | `sha256:333333333333` | ❌ failed: 1 critical | **1** | 0 | 0 | 0 | 0 | 1 |'
    )
  })

  it('shows a finding on several platforms as one row naming them', () => {
    const md = renderSummary(failingOnArm())
    expect(md).toMatch(/### Worst vulnerabilities \(3\)/)
    const rows = md.split('\n').filter((line) => line.includes('CVE-2026-0001'))
    expect(rows).toHaveLength(1)
    expect(rows[0]).toContain('| linux/arm64, linux/arm/v7 |')
    expect(md.split('\n').find((line) => line.includes('CVE-2026-0003'))).toContain(
      '| linux/amd64, linux/arm64 |'
    )
    expect(md).toContain('| Severity | ID | Package | Installed | Fixed | Platforms | Title |')
  })

  it('labels each signature, attestation and verification with its platform or index', () => {
    const sig = (target: ImageTarget): string => `ghcr.io/acme/api@${target.digest}-bundle`
    const md = renderSummary(
      multiInput([[], [], []], {
        steps: [],
        sign: {
          signer,
          images: [indexTarget, ...targets].map((target) => ({
            target,
            signatureRef: sig(target),
            tlogEntry: { logIndex: 7 }
          }))
        },
        attest: {
          signer,
          images: targets.flatMap((target) =>
            (['vuln', 'sbom'] as const).map((type) => ({ target, type, signatureRef: sig(target) }))
          )
        },
        verify: {
          verified: false,
          signer,
          images: [indexTarget, ...targets].map((target) => ({
            target,
            verified: target.platform !== 'linux/arm64',
            checks: [
              {
                check: 'signature',
                passed: target.platform !== 'linux/arm64',
                detail: `digest equals ${target.digest}`
              }
            ],
            failure: target.platform === 'linux/arm64' ? 'no signatures found' : undefined
          }))
        }
      })
    )
    expect(md).toContain('### Signatures')
    expect(md).toContain(`| index | \`sha256:eeeeeeeeeeee\` | \`${sig(indexTarget)}\` | entry 7 |`)
    expect(md).toContain(`| linux/arm/v7 | \`sha256:333333333333\` | \`${sig(targets[2]!)}\` |`)
    expect(md).toContain('### Attestations')
    expect(md).toContain(`| linux/arm64 | sbom | \`sha256:222222222222\` |`)
    expect(md).toContain(`| linux/arm64 | vuln | \`sha256:222222222222\` |`)
    expect(md).toContain('### ❌ Verification failed on linux/arm64 (3 of 4 images verified)')
    expect(md).toContain('| linux/arm64 | `sha256:222222222222` | ❌ no signatures found |')
    expect(md).toMatch(
      /\| index \| `sha256:eeeeeeeeeeee` \| ✅ verified \| — \| ✅ signature: digest equals/
    )
  })

  it('says why the index was not signed where its signature would be', () => {
    const sentence = 'the index was not signed: platforms chose some of its platform images'
    const input = multiInput([[], []], {
      steps: [],
      indexNotSigned: sentence,
      sign: { signer, images: [{ target: targets[0]!, signatureRef: 'r@sha256:1' }] }
    })
    const md = renderSummary(input)
    expect(md).toContain('· 2 of its 3 platform images scanned')
    expect(md).toContain('> The index was not signed: platforms chose some of its platform images.')
    expect(md.indexOf('### Signatures')).toBeLessThan(md.indexOf('> The index was not signed'))
  })

  it('stays under the byte limit with three platforms of 20,000 findings each', () => {
    const reports = [1, 2, 3].map((seed) => collectFindings(generateReport(20_000, seed)))
    const input = multiInput(reports)
    const md = renderSummary(input, { maxBytes: 60_000 })
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(60_000)
    expect(md).toContain('### Platforms')
    expect(md).toMatch(/### Worst vulnerabilities \(\d+ of \d+\)/)
  })
})

describe('a single-platform image', () => {
  it('keeps the compact summary: no platform table, no platform column', () => {
    const findings = [armOnly, medium]
    const md = renderSummary({
      imageInput: 'ghcr.io/acme/api:v2',
      image: { ...index, isIndex: false, platformImages: [index.platformImages[0]!] },
      steps,
      gate: evaluateGate(findings, 'HIGH'),
      findings,
      toolVersions: {}
    })
    expect(md.split('\n')[0]).toBe('## ❌ Gate failed: 1 critical at or above HIGH')
    expect(md).not.toContain('### Platforms')
    expect(md).not.toContain('Platforms |')
    expect(md).toContain(`**Digest** \`${INDEX_DIGEST}\``)
  })
})

describe('renderLogText for a multi-platform image', () => {
  it('gives the index digest, each platform digest with its verdict, and the platforms of findings', () => {
    const text = renderLogText(failingOnArm())
    const lines = text.split('\n')
    expect(lines[0]).toBe(
      'Gate failed on linux/arm64, linux/arm/v7 (2 of 3 platforms): 2 critical at or above HIGH'
    )
    expect(lines[1]).toBe(`Index: ${index.pinnedRef} (3 of 3 platform images scanned)`)
    expect(lines[2]).toBe(
      `  linux/amd64 ${targets[0]!.ref}: gate passed; vulnerabilities: 0 critical, 0 high, ` +
        '1 medium (1 fixable), 0 low, 0 unknown; 1 in total'
    )
    expect(lines[3]).toContain(`  linux/arm64 ${targets[1]!.ref}: gate failed;`)
    expect(text).toContain(
      'Vulnerabilities (all platforms, each finding once): 2 critical (2 fixable), 0 high, 1 medium'
    )
    expect(lines.find((l) => l.includes('CVE-2026-0001'))).toMatch(
      /\[linux\/arm64, linux\/arm\/v7\]$/
    )
  })

  it('names the platform and digest of every signature', () => {
    const text = renderLogText(
      multiInput([[], []], {
        sign: {
          signer,
          images: [indexTarget, targets[0]!].map((target) => ({
            target,
            signatureRef: `sig-of-${target.digest}`
          }))
        }
      })
    )
    expect(text).toContain('Signed by key SHA256:abcd (cosign.key):')
    expect(text).toContain(`  index ${index.pinnedRef} -> sig-of-${INDEX_DIGEST}`)
    expect(text).toContain(`  linux/amd64 ${targets[0]!.ref} -> sig-of-${targets[0]!.digest}`)
  })
})
