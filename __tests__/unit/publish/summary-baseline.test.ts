// The summary's baseline section: new, still present and fixed counts by severity (new ones that
// fail the gate marked), or a warning that the baseline was not used and every finding counted.
import { describe, expect, it } from '@jest/globals'
import type { Finding } from '../../../src/findings/findings.js'
import { renderBaseline } from '../../../src/publish/summary-baseline.js'

const finding = (id: string, severity: Finding['severity']): Finding => ({
  kind: 'vulnerability',
  id,
  severity,
  target: 'ghcr.io/acme/api (alpine 3.20.3)',
  pkg: 'openssl',
  title: id,
  fixable: true
})

describe('renderBaseline', () => {
  it('counts new, still present and fixed findings by severity, marking new ones that fail', () => {
    const text = renderBaseline({
      image: 'ghcr.io/acme/api:main',
      threshold: 'HIGH',
      comparison: {
        added: [finding('CVE-1', 'CRITICAL'), finding('CVE-2', 'LOW')],
        present: [finding('CVE-3', 'HIGH'), finding('CVE-4', 'HIGH'), finding('CVE-5', 'MEDIUM')],
        fixed: [finding('CVE-6', 'CRITICAL')]
      }
    })
    expect(text).toContain('Compared with `ghcr.io/acme/api:main`')
    expect(text).toContain('the gate counts only the 2 new finding(s)')
    expect(text).toContain('| New | **1** ⛔ | 0 | 0 | 1 | 0 | 2 |')
    expect(text).toContain('| Still present | 0 | 2 | 1 | 0 | 0 | 3 |')
    expect(text).toContain('| Fixed | 1 | 0 | 0 | 0 | 0 | 1 |')
  })

  it('says when the baseline was not used, and that every finding counts', () => {
    const text = renderBaseline({
      image: 'ghcr.io/acme/api:main',
      threshold: 'HIGH',
      unusable: 'no valid vuln attestation by key SHA256:ab|cd'
    })
    expect(text).toMatch(/^### ⚠️ Baseline not used/)
    expect(text).toContain(
      '`ghcr.io/acme/api:main` could not be used as the baseline: no valid vuln attestation by key SHA256:ab&#124;cd. Every finding counts.'
    )
    expect(text).not.toContain('| New |')
  })

  it('names the platforms without a usable baseline when others were compared', () => {
    const text = renderBaseline({
      image: 'ghcr.io/acme/api:main',
      threshold: 'HIGH',
      comparison: { added: [finding('CVE-1', 'CRITICAL')], present: [], fixed: [] },
      unusable:
        'baseline-image ghcr.io/acme/api:main was not used for linux/arm64: it has no linux/arm64 image; every finding counts'
    })
    expect(text).toMatch(/^### Against the baseline/)
    expect(text).toContain(
      '⚠️ Not for every platform: baseline-image ghcr.io/acme/api:main was not used for linux/arm64'
    )
  })
})
