// The step outputs as a later workflow step reads them from GITHUB_OUTPUT, also after a failure.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeOutputs } from '../../../src/pipeline/step-outputs.js'
import { DIGEST, IMAGE, finding, runState, scanned } from './run-state-fixture.js'

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
    state.sign = {
      signer: { kind: 'key', fingerprint: 'SHA256:x', keySource: 'cosign.key' },
      signatureRef: 'ghcr.io/acme/api:sha256-c0ffee.sig'
    }
    state.verify = { verified: true, checks: ['signature by key SHA256:x'] }
    writeOutputs(state, undefined)
    expect(outputs()).toMatchObject({
      signed: 'true',
      attested: 'false',
      verified: 'true',
      'signature-ref': 'ghcr.io/acme/api:sha256-c0ffee.sig'
    })
  })
})
