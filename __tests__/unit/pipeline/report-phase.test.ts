// The report phase of a multi-platform run, end to end in-process: what reaches the SARIF file,
// the job summary, the warnings and the outputs is made from every platform's scan.
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  jest
} from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { publish } from '../../../src/pipeline/report-phase.js'
import type { RunState } from '../../../src/pipeline/run-state.js'
import { finding, runState, scanned, scannedIndex } from './run-state-fixture.js'
import { compareWithBaseline } from '../../../src/findings/baseline.js'

let dir: string
let logged: string

// One directory for the file: @actions/core keeps the first GITHUB_STEP_SUMMARY path it reads.
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'imgsec-report-'))
})

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

beforeEach(() => {
  for (const name of ['output', 'summary']) writeFileSync(join(dir, name), '')
  process.env['GITHUB_OUTPUT'] = join(dir, 'output')
  process.env['GITHUB_STEP_SUMMARY'] = join(dir, 'summary')
  logged = ''
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    logged += String(chunk)
    return true
  })
})

afterEach(() => {
  jest.restoreAllMocks()
  delete process.env['GITHUB_OUTPUT']
  delete process.env['GITHUB_STEP_SUMMARY']
})

/** The report inputs the phase reads, on top of the fixture's. */
function reporting(state: RunState): RunState {
  Object.assign(state.inputs, {
    workspace: dir,
    sarifFile: join(dir, 'results.sarif'),
    sarifCategory: 'imgsec/ghcr.io/acme/api',
    uploadSarif: false,
    summary: true,
    annotate: true,
    vex: []
  })
  return state
}

describe('publish', () => {
  it('writes a SARIF run, a summary row and platform-named warnings for each platform', async () => {
    const state = reporting(
      scannedIndex(runState(['scan', 'gate']), [
        [finding('CVE-1', 'MEDIUM')],
        [finding('CVE-2', 'CRITICAL'), finding('CVE-1', 'MEDIUM')]
      ])
    )
    await publish(state)
    expect(state.reportFailures).toEqual([])
    const sarif = JSON.parse(readFileSync(join(dir, 'results.sarif'), 'utf8'))
    expect(
      sarif.runs.map((run: { automationDetails: { id: string } }) => run.automationDetails.id)
    ).toEqual(['imgsec/ghcr.io/acme/api/linux-amd64/', 'imgsec/ghcr.io/acme/api/linux-arm64/'])
    const summary = readFileSync(join(dir, 'summary'), 'utf8')
    expect(summary.split('\n')[0]).toContain('Gate failed on linux/arm64 (1 of 2 platforms)')
    expect(summary).toMatch(/\| linux\/amd64 \| `sha256:a1a1a1a1a1a1` \| ✅ passed \|/)
    expect(logged).toContain(
      '::warning title=CRITICAL CVE-2 in openssl on linux/arm64::CVE-2 (CRITICAL): CVE-2 title%0AOn platform linux/arm64.'
    )
    expect(state.verdictAnnotation?.title).toMatch(/Image gate failed/)
  })

  it('keeps one run under the category as given for a single-platform image', async () => {
    const state = reporting(scanned(runState(['scan', 'gate']), [finding('CVE-1', 'CRITICAL')]))
    await publish(state)
    const sarif = JSON.parse(readFileSync(join(dir, 'results.sarif'), 'utf8'))
    expect(sarif.runs).toHaveLength(1)
    expect(sarif.runs[0].automationDetails.id).toBe('imgsec/ghcr.io/acme/api/')
    expect(readFileSync(join(dir, 'summary'), 'utf8')).not.toContain('### Platforms')
  })

  it('shows the baseline section and lists the new findings first in the summary', async () => {
    const old = finding('CVE-OLD', 'CRITICAL')
    const added = finding('CVE-NEW', 'HIGH')
    const state = reporting(scanned(runState(['scan', 'gate']), [old, added]))
    state.scans![0]!.comparison = compareWithBaseline([old, added], [old])
    state.baseline = { image: 'ghcr.io/acme/api:main', findings: new Map(), unusable: [] }
    await publish(state)
    const summary = readFileSync(join(dir, 'summary'), 'utf8')
    const section = summary.indexOf('### Against the baseline')
    expect(section).toBeGreaterThan(-1)
    expect(summary).toContain('Compared with `ghcr.io/acme/api:main`')
    // The worst finding is the old critical; the new high one still comes first.
    const first = summary.indexOf('CVE-NEW', section)
    expect(first).toBeGreaterThan(section)
    expect(summary.indexOf('CVE-OLD', section)).toBeGreaterThan(first)
  })

  it('says the baseline was not used, and why, when it could not be verified', async () => {
    const state = reporting(scanned(runState(['scan', 'gate']), [finding('CVE-1', 'HIGH')]))
    state.baseline = {
      image: 'ghcr.io/acme/api:main',
      findings: new Map(),
      unusable: ['its vuln attestation could not be verified (no valid vuln attestation)']
    }
    await publish(state)
    expect(state.reportFailures).toEqual([])
    const summary = readFileSync(join(dir, 'summary'), 'utf8')
    expect(summary).toContain('### ⚠️ Baseline not used')
    expect(summary).toContain('no valid vuln attestation')
  })
})
