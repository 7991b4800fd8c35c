// The Actions cache client is a lazily loaded chunk of dist/: when it cannot be loaded (a missing
// or broken chunk), the DB cache is simply not there and the scan goes on; it must never turn into
// a failed scan step (gate=error).
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import { join } from 'node:path'

const log = { info: [] as string[], warning: [] as string[] }
jest.unstable_mockModule('@actions/cache', () => {
  throw new Error("Cannot find module '/action/dist/139.index.js'")
})
jest.unstable_mockModule('@actions/core', () => ({
  info: (message: string) => log.info.push(message),
  warning: (message: string | Error) => log.warning.push(String(message))
}))
const { restoreDb, saveDb } = await import('../../../src/trivy/db-cache.js')

beforeEach(() => {
  log.info.length = 0
  log.warning.length = 0
})

describe('a cache client that cannot be loaded', () => {
  it('restoreDb resolves as "no cache" with one warning, and saveDb then does nothing', async () => {
    const state = await restoreDb('/tmp/imgsec-no-such-cache')
    expect(state).toMatchObject({ path: join('/tmp/imgsec-no-such-cache', 'db'), available: false })
    expect(log.warning).toEqual([expect.stringMatching(/Actions cache client.*139\.index\.js/)])
    await expect(saveDb(state)).resolves.toBeUndefined()
    expect(log.warning).toHaveLength(1)
  })
})
