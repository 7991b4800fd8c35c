// The step outputs as a later workflow step reads them from GITHUB_OUTPUT, also after a failure.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeOutputs } from '../../../src/pipeline/step-outputs.js'
import { compareWithBaseline } from '../../../src/findings/baseline.js'
import type { ImageTarget, SignerInfo } from '../../../src/types.js'
import {
  DIGEST,
  IMAGE,
  INDEX_IMAGE,
  finding,
  platformDigest,
  runState,
  scanned,
  scannedIndex
} from './run-state-fixture.js'

let dir: string
let outputFile: string

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'imgsec-outputs-'))
  outputFile = join(dir, 'output')
  writeFileSync(outputFile, '')
  process.env['GITHUB_OUTPUT'] = outputFile
})

afterEach(() => {
  delete process.env['GITHUB_OUTPUT']
  rmSync(dir, { recursive: true, force: true })
})

/** GITHUB_OUTPUT's `name<<DELIM` blocks, as the runner parses them. */
function outputs(): Record<string, string> {
  const result: Record<string, string> = {}
  const lines = readFileSync(outputFile, 'utf8').split('\n')
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i] ?? '')
    if (!match) continue
    const body: string[] = []
    while (lines[++i] !== match[2]) body.push(lines[i] ?? '')
    result[match[1] ?? ''] = body.join('\n')
  }
  return result
}

describe('writeOutputs', () => {
  it('writes the counts, the verdict and the pinned image of a failed gate', () => {
    const state = scanned(runState(['scan', 'gate', 'sign']), [
      finding('CVE-1', 'CRITICAL', '1.2.3'),
      finding('CVE-2', 'CRITICAL'),
      finding('CVE-3', 'MEDIUM')
    ])
    writeOutputs(state, '/work/imgsec-results.sarif')
    const out = outputs()
    expect(out).toMatchObject({
      digest: DIGEST,
      'image-ref': IMAGE.pinnedRef,
      'report-file': '/tmp/report.json',
      'sarif-file': '/work/imgsec-results.sarif',
      critical: '2',
      high: '0',
      medium: '1',
      gate: 'failed',
      signed: 'false',
      verified: 'false',
      'trivy-version': '0.74.0'
    })
    expect(JSON.parse(out['vulnerabilities'] ?? '')).toMatchObject({
      critical: 2,
      medium: 1,
      total: 3,
      fixable: { critical: 1, medium: 0 }
    })
  })

  it('counts from the report when the gate step was not selected', () => {
    writeOutputs(scanned(runState(['scan']), [finding('CVE-1', 'HIGH')]), undefined)
    expect(outputs()).toMatchObject({ high: '1', gate: 'skipped', 'sarif-file': '' })
  })

  it('leaves counts empty and says error when the scan gave no report', () => {
    writeOutputs(runState(['scan', 'gate']), undefined)
    expect(outputs()).toMatchObject({
      gate: 'error',
      critical: '',
      vulnerabilities: '',
      digest: ''
    })
  })

  it('says signed and verified only when they happened', () => {
    const state = scanned(runState(['scan', 'gate', 'sign', 'verify']), [])
    const target = state.plan!.targets[0]!
    state.sign = {
      signer: { kind: 'key', fingerprint: 'SHA256:x', keySource: 'cosign.key' },
      images: [{ target, signatureRef: 'ghcr.io/acme/api:sha256-c0ffee.sig' }]
    }
    state.verify = {
      verified: true,
      images: [
        {
          target,
          verified: true,
          checks: [{ check: 'signature', passed: true, detail: 'by key SHA256:x' }]
        }
      ]
    }
    writeOutputs(state, undefined)
    expect(outputs()).toMatchObject({
      signed: 'true',
      attested: 'false',
      verified: 'true',
      'signature-ref': 'ghcr.io/acme/api:sha256-c0ffee.sig'
    })
  })
})

const SIGNER: SignerInfo = { kind: 'key', fingerprint: 'SHA256:x', keySource: 'cosign.key' }
const ref = (target: ImageTarget): string => `ghcr.io/acme/api@${target.digest}-sig`

describe('writeOutputs for a multi-platform image', () => {
  it('lists each platform with its digest, verdict, counts, report and SBOM in `platforms`', () => {
    const state = scannedIndex(runState(['scan', 'gate']), [
      [finding('CVE-1', 'MEDIUM', '1.1')],
      [finding('CVE-1', 'MEDIUM', '1.1'), finding('CVE-2', 'CRITICAL')]
    ])
    state.scans![1]!.sbomFile = '/tmp/imgsec/sbom-linux-arm64.cdx.json'
    writeOutputs(state, undefined)
    const platforms = JSON.parse(outputs()['platforms'] ?? '') as Array<Record<string, unknown>>
    expect(platforms).toEqual([
      {
        platform: 'linux/amd64',
        digest: platformDigest(0),
        verdict: 'passed',
        counts: expect.objectContaining({ medium: 1, critical: 0, total: 1 }),
        'report-file': '/tmp/trivy-report-linux-amd64.json',
        'sbom-file': null
      },
      {
        platform: 'linux/arm64',
        digest: platformDigest(1),
        verdict: 'failed',
        counts: expect.objectContaining({ critical: 1, medium: 1, total: 2 }),
        'report-file': '/tmp/trivy-report-linux-arm64.json',
        'sbom-file': '/tmp/imgsec/sbom-linux-arm64.cdx.json'
      }
    ])
    expect(platforms[0]!['counts']).toMatchObject({ fixable: { medium: 1, critical: 0 } })
  })

  it('counts a finding on several platforms once in the counts, `vulnerabilities` and `gate`', () => {
    const shared = finding('CVE-1', 'HIGH', '2.0')
    for (const steps of [['scan', 'gate'], ['scan']] as const) {
      const state = scannedIndex(runState([...steps]), [[shared], [shared], [shared]])
      writeOutputs(state, undefined)
      const out = outputs()
      expect([steps.length, out['high']]).toEqual([steps.length, '1'])
      expect(JSON.parse(out['vulnerabilities'] ?? '')).toMatchObject({ high: 1, total: 1 })
      expect(out['gate']).toBe(steps.length === 2 ? 'failed' : 'skipped')
    }
  })

  it('gives the report files one per line and the SBOM files in `sbom-files` (empty without)', () => {
    const state = scannedIndex(runState(['scan']), [[], []])
    writeOutputs(state, undefined)
    expect(outputs()).toMatchObject({
      'report-file': '/tmp/trivy-report-linux-amd64.json\n/tmp/trivy-report-linux-arm64.json',
      'sbom-files': ''
    })
    state.scans![0]!.sbomFile = '/tmp/imgsec/sbom-linux-amd64.cdx.json'
    state.scans![1]!.sbomFile = '/tmp/imgsec/sbom-linux-arm64.cdx.json'
    writeOutputs(state, undefined)
    expect(outputs()['sbom-files']).toBe(
      '/tmp/imgsec/sbom-linux-amd64.cdx.json\n/tmp/imgsec/sbom-linux-arm64.cdx.json'
    )
  })

  it("names the index's signature in `signature-ref`, and for a subset each platform's", () => {
    const all = scannedIndex(runState(['scan', 'gate', 'sign']), [[], [], []])
    const index = all.plan!.index!
    all.sign = {
      signer: SIGNER,
      images: [index, ...all.plan!.targets].map((target) => ({ target, signatureRef: ref(target) }))
    }
    writeOutputs(all, undefined)
    expect(outputs()['signature-ref']).toBe(`ghcr.io/acme/api@${INDEX_IMAGE.digest}-sig`)

    const subset = scannedIndex(runState(['scan', 'gate', 'sign']), [[], []])
    subset.sign = {
      signer: SIGNER,
      images: subset.plan!.targets.map((target) => ({ target, signatureRef: ref(target) }))
    }
    writeOutputs(subset, undefined)
    expect(outputs()['signature-ref']).toBe(
      `ghcr.io/acme/api@${platformDigest(0)}-sig\nghcr.io/acme/api@${platformDigest(1)}-sig`
    )
  })

  it('says verified only when every image verified', () => {
    const state = scannedIndex(runState(['scan', 'gate', 'sign', 'verify']), [[], []])
    const [amd64, arm64] = state.plan!.targets as [ImageTarget, ImageTarget]
    state.sign = { signer: SIGNER, images: [{ target: amd64, signatureRef: ref(amd64) }] }
    state.verify = {
      verified: false,
      images: [
        { target: amd64, verified: true, checks: [] },
        { target: arm64, verified: false, checks: [], failure: 'no signature' }
      ]
    }
    writeOutputs(state, undefined)
    expect(outputs()).toMatchObject({ signed: 'true', attested: 'false', verified: 'false' })
  })

  it('lists every check of every digest in `verification`, flat; empty without verify', () => {
    const state = scannedIndex(runState(['scan', 'gate', 'verify']), [[], []])
    writeOutputs(state, undefined)
    expect(outputs()['verification']).toBe('')

    const [amd64, arm64] = state.plan!.targets as [ImageTarget, ImageTarget]
    const index = { index: true, digest: INDEX_IMAGE.digest, ref: INDEX_IMAGE.pinnedRef }
    const signature = { check: 'signature', passed: true, detail: 'by key SHA256:x' }
    const old = { check: 'scan age', passed: false, detail: 'scanned 9 d ago' }
    state.verify = {
      verified: false,
      images: [
        { target: index, verified: true, checks: [signature] },
        { target: amd64, verified: true, checks: [] },
        { target: arm64, verified: false, checks: [signature, old], failure: 'scan age: …' }
      ]
    }
    writeOutputs(state, undefined)
    expect(JSON.parse(outputs()['verification'] ?? '')).toEqual([
      { image: 'index', digest: INDEX_IMAGE.digest, ...signature },
      { image: 'linux/arm64', digest: platformDigest(1), ...signature },
      { image: 'linux/arm64', digest: platformDigest(1), ...old }
    ])
  })

  it('counts new and fixed findings against the baseline once over platforms; empty without', () => {
    const shared = finding('CVE-NEW', 'CRITICAL')
    const state = scannedIndex(runState(['scan', 'gate']), [
      [shared, finding('CVE-OLD', 'HIGH')],
      [shared]
    ])
    writeOutputs(state, undefined)
    expect(outputs()).toMatchObject({ 'new-findings': '', 'fixed-findings': '' })

    const [amd64, arm64] = state.scans!
    amd64!.comparison = compareWithBaseline(amd64!.findings, [
      finding('CVE-OLD', 'HIGH'),
      finding('CVE-GONE', 'LOW'),
      finding('CVE-GONE-2', 'LOW')
    ])
    arm64!.comparison = compareWithBaseline(arm64!.findings, [finding('CVE-GONE', 'LOW')])
    writeOutputs(state, undefined)
    expect(outputs()).toMatchObject({ 'new-findings': '1', 'fixed-findings': '2' })
  })

  it('leaves `platforms` empty when the scan gave no report', () => {
    writeOutputs(runState(['scan', 'gate']), undefined)
    expect(outputs()).toMatchObject({ platforms: '', 'sbom-files': '', 'report-file': '' })
  })
})
