// The findings of several platform images, each once: the same vulnerable package on amd64 and
// arm64 is one finding to fix, not two, in the counts and the gate.
import { describe, expect, it } from '@jest/globals'
import { distinctFindings, findingKey, type Finding } from '../../../src/findings/findings.js'

function finding(id: string, severity: Finding['severity'], extra: Partial<Finding> = {}): Finding {
  return {
    kind: 'vulnerability',
    id,
    severity,
    target: 'acme/api (alpine 3.22)',
    pkg: 'openssl',
    installed: '3.0.0',
    title: id,
    fixable: false,
    ...extra
  }
}

describe('distinctFindings', () => {
  it('keeps a finding present on several platforms once, the first seen', () => {
    const amd64 = finding('CVE-1', 'HIGH', { title: 'as seen on amd64' })
    const arm64 = finding('CVE-1', 'HIGH', { title: 'as seen on arm64' })
    expect(distinctFindings([[amd64], [arm64]])).toEqual([amd64])
  })

  it('keeps findings apart that differ in package, installed version, path or kind', () => {
    const base = finding('CVE-1', 'HIGH')
    const others = [
      finding('CVE-1', 'HIGH', { pkg: 'libssl3' }),
      finding('CVE-1', 'HIGH', { installed: '3.0.1' }),
      finding('CVE-1', 'HIGH', { path: 'app/app.jar' }),
      finding('CVE-1', 'HIGH', { kind: 'license' })
    ]
    expect(distinctFindings([[base], others])).toHaveLength(5)
    expect(new Set([base, ...others].map(findingKey)).size).toBe(5)
  })

  it('lists the union worst first', () => {
    const lists = [
      [finding('CVE-LOW', 'LOW'), finding('CVE-HIGH', 'HIGH')],
      [finding('CVE-CRIT', 'CRITICAL'), finding('CVE-MED', 'MEDIUM')]
    ]
    expect(distinctFindings(lists).map((f) => f.severity)).toEqual([
      'CRITICAL',
      'HIGH',
      'MEDIUM',
      'LOW'
    ])
  })
})
