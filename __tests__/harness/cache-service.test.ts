// The loopback cache service against the real @actions/cache client (the version the action
// bundles): what one job saves, a later job restores, by exact key or by prefix; an entry is
// written once; a broken or unreachable service never throws out of restoreCache or saveCache.
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCacheService, type CacheService } from './cache-service.js'

const cache = await import('@actions/cache')

let service: CacheService
let workspace: string
let dir: string
const saved: Record<string, string | undefined> = {}

beforeAll(async () => {
  service = await startCacheService()
  workspace = mkdtempSync(join(tmpdir(), 'imgsec-cache-ws-'))
  for (const [name, value] of Object.entries({
    ...service.env,
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: join(workspace, 'temp')
  })) {
    saved[name] = process.env[name]
    process.env[name] = value
  }
  // The library logs through @actions/core, which writes workflow commands to stdout.
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
})
afterAll(async () => {
  jest.restoreAllMocks()
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
  await service.stop()
  rmSync(workspace, { recursive: true, force: true })
})
beforeEach(() => {
  service.setFault()
  dir = join(workspace, 'db')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
})

describe('the cache service with @actions/cache', () => {
  it('is what isFeatureAvailable looks for', () => {
    expect(cache.isFeatureAvailable()).toBe(true)
  })

  it('restores what was saved, by exact key and by restore-key prefix', async () => {
    writeFileSync(join(dir, 'trivy.db'), 'database one')
    expect(await cache.saveCache([dir], 'db-linux-2026-11-01')).toBeGreaterThan(0)
    expect(service.entries.map((entry) => entry.key)).toEqual(['db-linux-2026-11-01'])
    rmSync(dir, { recursive: true })

    expect(await cache.restoreCache([dir], 'db-linux-2026-11-01')).toBe('db-linux-2026-11-01')
    expect(readFileSync(join(dir, 'trivy.db'), 'utf8')).toBe('database one')
    rmSync(dir, { recursive: true })

    expect(await cache.restoreCache([dir], 'db-linux-2026-11-02', ['db-linux-'])).toBe(
      'db-linux-2026-11-01'
    )
    expect(readFileSync(join(dir, 'trivy.db'), 'utf8')).toBe('database one')
    expect(await cache.restoreCache([dir], 'db-darwin-2026-11-02', ['db-darwin-'])).toBeUndefined()
  })

  it('writes an entry once: a second save of the key returns -1 and does not throw', async () => {
    writeFileSync(join(dir, 'trivy.db'), 'x')
    expect(await cache.saveCache([dir], 'db-once')).toBeGreaterThan(0)
    expect(await cache.saveCache([dir], 'db-once')).toBe(-1)
    expect(service.entries.filter((entry) => entry.key === 'db-once')).toHaveLength(1)
  })

  it('keeps a refused upload and a corrupt download inside the library', async () => {
    writeFileSync(join(dir, 'trivy.db'), 'y')
    service.setFault('reject-upload')
    expect(await cache.saveCache([dir], 'db-refused')).toBe(-1)
    expect(service.entries.filter((entry) => entry.key === 'db-refused')).toEqual([])
    service.setFault()
    await cache.saveCache([dir], 'db-corrupt')
    service.setFault('corrupt-download')
    expect(await cache.restoreCache([dir], 'db-corrupt')).toBeUndefined()
  })
})
