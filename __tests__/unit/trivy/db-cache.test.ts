// trivy's DB in the Actions cache: keys, restore/save decisions, and that the cache never fails a run.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// What @actions/cache 6.x throws at all: restoreCache and saveCache swallow every service, network
// and archive failure (a warning, then undefined / -1), and throw only a ValidationError for a key
// or path they refuse (lib/cache.js).
class ValidationError extends Error {
  override name = 'ValidationError'
}
const cache = {
  isFeatureAvailable: jest.fn<() => boolean>(),
  restoreCache:
    jest.fn<
      (paths: string[], key: string, restoreKeys?: string[]) => Promise<string | undefined>
    >(),
  saveCache: jest.fn<(paths: string[], key: string) => Promise<number>>(),
  ValidationError
}
const log = { info: [] as string[], warning: [] as string[] }
jest.unstable_mockModule('@actions/cache', () => cache)
jest.unstable_mockModule('@actions/core', () => ({
  info: (message: string) => log.info.push(message),
  warning: (message: string | Error) => log.warning.push(String(message))
}))
const { assertDbFresh, dbCacheKeys, restoreDb, saveDb, trivyCacheDir } =
  await import('../../../src/trivy/db-cache.js')

const DAY = new Date('2026-11-25T23:59:00Z')
const PREFIX = `imgsec-trivy-db-${process.platform}-${process.arch}-`
let cacheDir: string

beforeEach(() => {
  cacheDir = mkdtempSync(join(tmpdir(), 'trivy-db-'))
  log.info.length = 0
  log.warning.length = 0
  cache.isFeatureAvailable.mockReset().mockReturnValue(true)
  cache.restoreCache.mockReset()
  cache.saveCache.mockReset().mockResolvedValue(42)
})
afterEach(() => rmSync(cacheDir, { recursive: true, force: true }))

function downloadedDb(): void {
  mkdirSync(join(cacheDir, 'db'), { recursive: true })
  writeFileSync(join(cacheDir, 'db', 'trivy.db'), 'db')
  writeFileSync(join(cacheDir, 'db', 'metadata.json'), '{"Version":2}')
}

describe('keys and paths', () => {
  it('keys by platform and UTC day, restoring earlier days within db-max-age by exact keys', () => {
    expect(dbCacheKeys(DAY, 'linux', 'x64')).toEqual({
      primaryKey: 'imgsec-trivy-db-linux-x64-2026-11-25',
      restoreKeys: [24, 23, 22, 21, 20, 19, 18].map((d) => `imgsec-trivy-db-linux-x64-2026-11-${d}`)
    })
    expect(dbCacheKeys(DAY, 'linux', 'x64', 36 * 3_600_000).restoreKeys).toEqual([
      'imgsec-trivy-db-linux-x64-2026-11-24',
      'imgsec-trivy-db-linux-x64-2026-11-23'
    ])
    // @actions/cache takes ten keys at most.
    expect(dbCacheKeys(DAY, 'linux', 'x64', 90 * 86_400_000).restoreKeys).toHaveLength(9)
  })

  it('keeps the cache under RUNNER_TEMP on a runner, trivy’s default elsewhere', () => {
    expect(trivyCacheDir({ RUNNER_TEMP: '/rt' })).toBe('/rt/imgsec-trivy-cache')
    if (process.platform === 'linux') {
      expect(trivyCacheDir({ XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/trivy')
    }
  })
})

describe('restoreDb', () => {
  it('says once that the cache is unavailable and goes on', async () => {
    cache.isFeatureAvailable.mockReturnValue(false)
    const state = await restoreDb(cacheDir, DAY)
    expect(state.available).toBe(false)
    expect(log.info).toHaveLength(1)
    expect(cache.restoreCache).not.toHaveBeenCalled()
    downloadedDb()
    await saveDb(state)
    expect(cache.saveCache).not.toHaveBeenCalled()
    expect(log.info).toHaveLength(1)
  })

  it('restores the db folder with today’s key and the exact keys of earlier days', async () => {
    cache.restoreCache.mockResolvedValue(`${PREFIX}2026-11-24`)
    const state = await restoreDb(cacheDir, DAY)
    expect(cache.restoreCache).toHaveBeenCalledWith(
      [join(cacheDir, 'db')],
      `${PREFIX}2026-11-25`,
      [24, 23, 22, 21, 20, 19, 18].map((d) => `${PREFIX}2026-11-${d}`)
    )
    expect(state).toEqual({
      path: join(cacheDir, 'db'),
      primaryKey: `${PREFIX}2026-11-25`,
      restoredKey: `${PREFIX}2026-11-24`,
      available: true
    })
  })

  it('drops an entry the cache matched by prefix only, so that trivy downloads its own', async () => {
    cache.restoreCache.mockImplementation(async () => {
      downloadedDb()
      return `${PREFIX}2026-11-24-planted`
    })
    const state = await restoreDb(cacheDir, DAY)
    expect(state.restoredKey).toBeUndefined()
    expect(existsSync(join(cacheDir, 'db'))).toBe(false)
    expect(log.warning).toEqual([expect.stringContaining(`${PREFIX}2026-11-24-planted`)])
  })

  it('turns a key the library refuses into a warning', async () => {
    cache.restoreCache.mockRejectedValue(
      new ValidationError('Key Validation Error: keys cannot contain commas.')
    )
    const state = await restoreDb(cacheDir, DAY)
    expect(state.restoredKey).toBeUndefined()
    expect(log.warning).toEqual([expect.stringContaining('Key Validation Error')])
  })
})

describe('saveDb', () => {
  it('saves a DB restored from an older day under today’s key', async () => {
    cache.restoreCache.mockResolvedValue(`${PREFIX}2026-11-24`)
    const state = await restoreDb(cacheDir, DAY)
    downloadedDb()
    await saveDb(state)
    expect(cache.saveCache).toHaveBeenCalledWith([join(cacheDir, 'db')], `${PREFIX}2026-11-25`)
  })

  it('does not save again when today’s key was restored', async () => {
    cache.restoreCache.mockResolvedValue(`${PREFIX}2026-11-25`)
    const state = await restoreDb(cacheDir, DAY)
    downloadedDb()
    await saveDb(state)
    expect(cache.saveCache).not.toHaveBeenCalled()
  })

  it('has nothing to save when trivy never downloaded a DB', async () => {
    cache.restoreCache.mockResolvedValue(undefined)
    await saveDb(await restoreDb(cacheDir, DAY))
    expect(cache.saveCache).not.toHaveBeenCalled()
  })

  it('does not claim a save that did not happen (another matrix job reserved the key: -1)', async () => {
    cache.restoreCache.mockResolvedValue(undefined)
    cache.saveCache.mockResolvedValue(-1)
    const state = await restoreDb(cacheDir, DAY)
    downloadedDb()
    await expect(saveDb(state)).resolves.toBeUndefined()
    expect(log.warning).toEqual([])
    expect(log.info.join('\n')).not.toMatch(/Saved/)
  })

  it('turns a key the library refuses into a warning, never a throw', async () => {
    cache.restoreCache.mockResolvedValue(undefined)
    cache.saveCache.mockRejectedValue(
      new ValidationError('Key Validation Error: keys cannot contain commas.')
    )
    const state = await restoreDb(cacheDir, DAY)
    downloadedDb()
    await expect(saveDb(state)).resolves.toBeUndefined()
    expect(log.warning).toEqual([expect.stringContaining('Key Validation Error')])
  })
})

describe('assertDbFresh', () => {
  const WEEK = { text: '7d', ms: 7 * 86_400_000 }
  const withUpdatedAt = (updatedAt: string): void => {
    mkdirSync(join(cacheDir, 'db'), { recursive: true })
    writeFileSync(
      join(cacheDir, 'db', 'metadata.json'),
      JSON.stringify({ Version: 2, NextUpdate: '2099-01-01T00:00:00Z', UpdatedAt: updatedAt })
    )
  }

  it('accepts a database updated within db-max-age', () => {
    withUpdatedAt('2026-11-24T06:00:00Z')
    expect(() => assertDbFresh(cacheDir, WEEK, DAY)).not.toThrow()
  })

  it.each([
    ['older than db-max-age', '2026-01-01T00:00:00Z', /longer ago than db-max-age \(7d\)/],
    ['dated in the future', '2027-01-01T00:00:00Z', /in the future[\s\S]*db-max-age/],
    ['without a valid UpdatedAt', 'never', /no valid UpdatedAt[\s\S]*db-max-age/]
  ])('refuses a database %s, naming db-max-age', (_what, updatedAt, says) => {
    withUpdatedAt(updatedAt)
    expect(() => assertDbFresh(cacheDir, WEEK, DAY)).toThrow(says)
  })
})
