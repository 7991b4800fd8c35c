// The report phase of a multi-platform run, end to end in-process: what reaches the SARIF file,
// the job summary, the warnings and the outputs is made from every platform's scan.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { publish } from '../../../src/pipeline/report-phase.js'
import type { RunState } from '../../../src/pipeline/run-state.js'
import { finding, runState, scanned, scannedIndex } from './run-state-fixture.js'

let dir: string
let logged: string

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'imgsec-report-'))
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
  rmSync(dir, { recursive: true, force: true })
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
})
