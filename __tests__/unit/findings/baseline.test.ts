// A pull request's image against its baseline: a finding is "the same" when its vulnerability id
// and package are (not its version or target); the gate counts only the new ones.
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  baselineKey,
  compareWithBaseline,
  gateNewFindings
} from '../../../src/findings/baseline.js'
import { collectFindings, type Finding } from '../../../src/findings/findings.js'
import { parseReport } from '../../../src/trivy/report.js'

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'trivy')
/** alpine-39: 2 critical and 4 medium vulnerabilities. */
const findingsOf = (name: string): Finding[] =>
  collectFindings(parseReport(readFileSync(join(FIXTURES, name), 'utf8')))

function finding(overrides: Partial<Finding>): Finding {
  return {
    kind: 'vulnerability',
    id: 'CVE-2024-0001',
    severity: 'HIGH',
    target: 'ghcr.io/acme/api (alpine 3.20.3)',
    pkg: 'openssl',
    installed: '3.3.1-r0',
    title: 'a flaw',
    fixable: false,
    ...overrides
  }
}

describe('compareWithBaseline', () => {
  it('finds nothing new in an image that has only the baseline findings', () => {
    const image = findingsOf('alpine-39.json')
    const comparison = compareWithBaseline(image, findingsOf('alpine-39.json'))
    expect(comparison.added).toEqual([])
    expect(comparison.present).toEqual(image)
    expect(comparison.fixed).toEqual([])
    expect(gateNewFindings(comparison, 'HIGH')).toMatchObject({ verdict: 'passed', failing: 0 })
  })

  it('puts one new critical finding first among the new ones and fails the gate on it', () => {
    const baseline = findingsOf('alpine-39.json')
    const critical = finding({ id: 'CVE-2026-9999', severity: 'CRITICAL', pkg: 'busybox' })
    const medium = finding({ id: 'CVE-2026-1111', severity: 'MEDIUM', pkg: 'zlib' })
    const comparison = compareWithBaseline([critical, ...baseline, medium], baseline)
    expect(comparison.added).toEqual([critical, medium])
    expect(comparison.present).toHaveLength(baseline.length)
    const gate = gateNewFindings(comparison, 'HIGH')
    expect(gate).toMatchObject({ verdict: 'failed', failing: 1, total: 2 })
    expect(gate.counts).toMatchObject({ CRITICAL: 1, MEDIUM: 1 })
  })

  it('counts what the baseline had and the image no longer has as fixed', () => {
    const baseline = findingsOf('alpine-39.json')
    const [first, ...rest] = baseline
    const comparison = compareWithBaseline(rest, baseline)
    expect(comparison.fixed).toEqual([first])
    expect(comparison.added).toEqual([])
    expect(comparison.present).toEqual(rest)
  })

  it('keeps a vulnerability present across a version bump that did not fix it', () => {
    const before = finding({
      installed: '3.3.1-r0',
      target: 'ghcr.io/acme/api:main (alpine 3.20.3)'
    })
    const after = finding({
      installed: '3.3.2-r0',
      target: 'ghcr.io/acme/api:pr-7 (alpine 3.20.4)'
    })
    expect(compareWithBaseline([after], [before])).toEqual({
      added: [],
      present: [after],
      fixed: []
    })
  })

  it('treats the same vulnerability id in another package as new', () => {
    const inOpenssl = finding({ pkg: 'openssl' })
    const inLibcrypto = finding({ pkg: 'libcrypto3' })
    const comparison = compareWithBaseline([inOpenssl, inLibcrypto], [inOpenssl])
    expect(comparison.added).toEqual([inLibcrypto])
    expect(comparison.present).toEqual([inOpenssl])
  })

  it('tells findings without a package apart by their file, and by kind', () => {
    const secret = (path: string): Finding =>
      finding({ kind: 'secret', id: 'aws-access-key-id', pkg: undefined, path })
    const comparison = compareWithBaseline(
      [secret('/app/.env'), secret('/etc/creds')],
      [
        secret('/app/.env'),
        finding({ kind: 'license', id: 'aws-access-key-id', pkg: undefined, path: '/app/.env' })
      ]
    )
    expect(comparison.added.map((f) => f.path)).toEqual(['/etc/creds'])
    expect(comparison.fixed.map((f) => f.kind)).toEqual(['license'])
  })
})

describe('baselineKey', () => {
  it('is the kind, the id and the package', () => {
    expect(baselineKey(finding({}))).toBe(baselineKey(finding({ installed: '9', severity: 'LOW' })))
    expect(baselineKey(finding({}))).not.toBe(baselineKey(finding({ id: 'CVE-2024-0002' })))
  })
})
