// The SARIF of a multi-platform image: one run per platform image, each with a category of its
// own, within GitHub's 20 runs per file and 10 MB per upload, valid against the schema.
import { describe, expect, it } from '@jest/globals'
import { gzipSync } from 'node:zlib'
import { collectFindings } from '../../../src/findings/findings.js'
import { buildSarifRuns, MAX_SARIF_RUNS } from '../../../src/publish/sarif.js'
import { sarifSchemaErrors } from '../../harness/sarif-schema.js'
import { generateReport, loadFixtures } from '../../harness/generate-report.js'

const options = {
  toolVersion: '0.74.0',
  category: 'imgsec/ghcr.io/acme/api',
  imageName: 'ghcr.io/acme/api'
}
const DIGEST = /sha256:[a-f0-9]{64}/

describe('buildSarifRuns', () => {
  const amd64 = collectFindings(loadFixtures().get('alpine-310.json')!)
  const armv7 = collectFindings(loadFixtures().get('alpine-39.json')!)

  it('gives each platform its own run and category, <category>/<os>-<arch>[-<variant>]', () => {
    const build = buildSarifRuns(
      [
        { platform: 'linux/amd64', findings: amd64 },
        { platform: 'linux/arm/v7', findings: armv7 }
      ],
      options
    )
    const document = JSON.parse(build.bytes.toString('utf8'))
    expect(sarifSchemaErrors(document)).toEqual([])
    const runs = build.log.runs
    expect(runs.map((run) => run.automationDetails?.id)).toEqual([
      'imgsec/ghcr.io/acme/api/linux-amd64/',
      'imgsec/ghcr.io/acme/api/linux-arm-v7/'
    ])
    expect(runs.map((run) => run.results?.length)).toEqual([amd64.length, armv7.length])
    expect(runs.map((run) => run.properties?.['platform'])).toEqual(['linux/amd64', 'linux/arm/v7'])
    expect(build.resultCount).toBe(amd64.length + armv7.length)
    expect(build.runs.map((run) => run.category)).toEqual([
      'imgsec/ghcr.io/acme/api/linux-amd64',
      'imgsec/ghcr.io/acme/api/linux-arm-v7'
    ])
    expect(build.bytes.toString('utf8')).not.toMatch(DIGEST)
  })

  it(`keeps the first ${MAX_SARIF_RUNS} platforms and names the ones left out`, () => {
    const platforms = Array.from({ length: 22 }, (_, i) => `linux/arch${i}`)
    const build = buildSarifRuns(
      platforms.map((platform) => ({ platform, findings: amd64.slice(0, 3) })),
      options
    )
    expect(build.log.runs).toHaveLength(20)
    expect(build.omittedPlatforms).toEqual(['linux/arch20', 'linux/arch21'])
    const ids = build.log.runs.map((run) => run.automationDetails?.id)
    expect(new Set(ids).size).toBe(20)
    expect(sarifSchemaErrors(JSON.parse(build.bytes.toString('utf8')))).toEqual([])
  })

  it('never gives two runs one category, even when two platforms read the same as a slug', () => {
    const build = buildSarifRuns(
      [
        { platform: 'linux/arm/v7', findings: [] },
        { platform: 'linux/arm-v7', findings: [] }
      ],
      options
    )
    const ids = build.log.runs.map((run) => run.automationDetails?.id)
    expect(ids).toEqual([
      'imgsec/ghcr.io/acme/api/linux-arm-v7/',
      'imgsec/ghcr.io/acme/api/linux-arm-v7-2/'
    ])
  })

  it('applies the results limit to each run and the upload limit to the whole file', () => {
    const findings = [1, 2, 3].map((seed) => collectFindings(generateReport(2_000, seed)))
    const runs = findings.map((list, i) => ({ platform: `linux/p${i}`, findings: list }))
    const capped = buildSarifRuns(runs, { ...options, maxResults: 500 })
    expect(capped.log.runs.map((run) => run.results?.length)).toEqual([500, 500, 500])
    expect(capped.truncated).toMatchObject({ total: 6_000, kept: 1_500 })
    expect(capped.runs.every((run) => run.truncated?.kept === 500)).toBe(true)

    const small = buildSarifRuns(runs, { ...options, maxGzipBytes: 150_000 })
    expect(gzipSync(small.bytes).length).toBeLessThanOrEqual(150_000)
    const kept = small.log.runs.map((run) => run.results?.length ?? 0)
    expect(kept.every((n) => n > 0 && n < 2_000)).toBe(true)
    expect(small.truncated?.reason).toMatch(/upload limit/)
    expect(small.log.runs[0]?.properties?.['imgsec']).toMatchObject({ truncated: true })
  })
})
