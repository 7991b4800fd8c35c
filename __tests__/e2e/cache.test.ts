// The default configuration (cache-db: true) end to end: trivy's database goes through the real
// @actions/cache client to the runner's cache service (here on loopback), is saved by one job and
// restored by the next. The cache is an optimisation: a cache that is broken, unreachable, or whose
// client cannot even be loaded never turns into gate=error or a failed step.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCacheService } from '../harness/cache-service.js'
import { REPO_ROOT, TRIVY_FIXTURES_DIR } from '../harness/paths.js'
import { cleanupRuns, errorLines, warningLines, type ActionRun } from '../harness/runner.js'
import { startWorld, type World } from '../harness/world.js'

const MEDIUM_ONLY = { STANDIN_TRIVY_REPORT: join(TRIVY_FIXTURES_DIR, 'alpine-310.json') }
const DEFAULTS = { steps: 'scan,gate', 'fail-on': 'high' }

let world: World
beforeAll(async () => {
  world = await startWorld()
})
afterAll(async () => {
  await world.stop()
  cleanupRuns()
})

/** The stand-in trivy appends a line to this file each time it downloads the DB. */
function dbDownloads(run: ActionRun): string[] {
  const file = join(run.runnerTemp, 'imgsec-trivy-cache', 'db', 'standin-downloads.log')
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []
}

function expectPassedWithoutCache(run: ActionRun): void {
  expect(errorLines(run)).toEqual([])
  expect(run.exitCode).toBe(0)
  expect(run.outputs['gate']).toBe('passed')
  expect(dbDownloads(run)).toHaveLength(1)
}

describe('two jobs on the same runner layout', () => {
  it('the first saves trivy’s database, the second restores it and trivy does not download it', async () => {
    // A hosted runner gives every job the same RUNNER_TEMP and workspace paths, and empties
    // RUNNER_TEMP between jobs; @actions/cache keys its entries by those paths too.
    const root = mkdtempSync(join(tmpdir(), 'imgsec-cache-runner-'))
    const dirs = { runnerTemp: join(root, 'temp'), workspace: join(root, 'work') }
    const before = { ...world.cache.requests }

    const first = await world.run(DEFAULTS, { ...dirs, env: MEDIUM_ONLY })
    expect(first.exitCode).toBe(0)
    expect(dbDownloads(first)).toHaveLength(1)
    expect(world.cache.requests.uploads).toBe(before.uploads + 1)
    expect(first.stdout).toMatch(/Saved trivy's database to the Actions cache/)

    rmSync(dirs.runnerTemp, { recursive: true, force: true })
    const second = await world.run(DEFAULTS, { ...dirs, env: MEDIUM_ONLY })
    expect(errorLines(second)).toEqual([])
    expect(second.exitCode).toBe(0)
    expect(second.outputs['gate']).toBe('passed')
    expect(world.cache.requests.downloads).toBe(before.downloads + 1)
    expect(second.stdout).toMatch(/Restored trivy's database from the Actions cache/)
    // The DB trivy used is the first job's: its download log came back with it, one line long.
    expect(dbDownloads(second)).toEqual(dbDownloads(first))
    expect(world.cache.requests.uploads).toBe(before.uploads + 1)
    rmSync(root, { recursive: true, force: true })
  })
})

describe('a cache that does not work never reads as a scan error', () => {
  it('unreachable: the scan runs, the gate passes, a warning says so', async () => {
    const gone = await startCacheService()
    await gone.stop()
    const run = await world.run(DEFAULTS, { env: { ...MEDIUM_ONLY, ...gone.env } })
    expectPassedWithoutCache(run)
    expect(warningLines(run).join('\n')).toMatch(/restore/i)
  })

  it('broken: an archive that is not one, and an upload the store refuses', async () => {
    const root = mkdtempSync(join(tmpdir(), 'imgsec-cache-runner-'))
    const dirs = { runnerTemp: join(root, 'temp'), workspace: join(root, 'work') }
    await world.run(DEFAULTS, { ...dirs, env: MEDIUM_ONLY })
    rmSync(dirs.runnerTemp, { recursive: true, force: true })
    world.cache.setFault('corrupt-download')
    try {
      const corrupt = await world.run(DEFAULTS, { ...dirs, env: MEDIUM_ONLY })
      expectPassedWithoutCache(corrupt)
      world.cache.setFault('reject-upload')
      expectPassedWithoutCache(await world.run(DEFAULTS, { env: MEDIUM_ONLY }))
    } finally {
      world.cache.setFault()
      rmSync(root, { recursive: true, force: true })
    }
  })

  it('a cache client that cannot be loaded (its chunk of dist/ is missing)', async () => {
    const copy = join(mkdtempSync(join(tmpdir(), 'imgsec-dist-')), 'dist')
    cpSync(join(REPO_ROOT, 'dist'), copy, { recursive: true })
    const chunks = readdirSync(copy).filter(
      (name) =>
        name.endsWith('.index.js') &&
        readFileSync(join(copy, name), 'utf8').includes('getCacheServiceVersion')
    )
    expect(chunks).toHaveLength(1)
    rmSync(join(copy, chunks[0] as string))
    const run = await world.run(DEFAULTS, {
      env: MEDIUM_ONLY,
      scripts: { main: join(copy, 'index.js'), post: join(copy, 'post', 'index.js') }
    })
    expectPassedWithoutCache(run)
    expect(warningLines(run).join('\n')).toMatch(/Actions cache/)
    rmSync(join(copy, '..'), { recursive: true, force: true })
  })
})
