// trivy's vulnerability database in the Actions cache, so that jobs (and the jobs of a matrix) do
// not each download it from rate-limited registries. The cache is an optimisation: when it is not
// there (a laptop, another CI) or fails, the run goes on and trivy downloads the database itself.
import * as core from '@actions/core'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { describeError } from '../errors.js'

const KEY_PREFIX = 'imgsec-trivy-db'

// @actions/cache (with the Azure storage SDK it brings) is most of the bundle's weight: loaded on
// first use, its code is a separate chunk that runs without cache-db never parses, and that the
// others parse after the run has started rather than before its first log line.
type CacheModule = typeof import('@actions/cache')
let cacheModule: Promise<CacheModule> | undefined
const loadCache = (): Promise<CacheModule> => (cacheModule ??= import('@actions/cache'))

/** What restoreDb found; saveDb needs it to decide whether there is anything new to save. */
export interface DbCacheState {
  /** The DB folder that is cached: `<cacheDir>/db` (trivy.db and metadata.json). */
  path: string
  /** Today's key, fixed at restore time so that a run crossing midnight saves what it restored. */
  primaryKey: string
  restoredKey?: string
  available: boolean
}

/**
 * trivy's cache dir for this run. On a runner: a folder under RUNNER_TEMP, private to the job and
 * emptied after it, so that concurrent jobs on one self-hosted machine never write the same DB
 * (RUNNER_TOOL_CACHE is shared between them) and the Actions cache is the only thing that carries
 * the DB from job to job. Elsewhere: trivy's own default, so local runs reuse the user's DB.
 */
export function trivyCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['RUNNER_TEMP']) return join(env['RUNNER_TEMP'], 'imgsec-trivy-cache')
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'trivy')
  return join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'trivy')
}

const DAY_MS = 86_400_000
// @actions/cache takes at most 10 keys: today's and nine earlier days.
const MAX_EARLIER_DAYS = 9

/**
 * One key per platform and UTC day. Restored by exact keys only: today's, then each earlier day
 * within db-max-age, newest first. A key prefix would also take an entry saved under any longer
 * name (`…-2026-11-24-planted`); restoreDb drops whatever is not one of these keys.
 * trivy refreshes a restored DB that is past its NextUpdate by itself, and that fresh DB is saved
 * under today's key.
 */
export function dbCacheKeys(
  date: Date = new Date(),
  os: string = process.platform,
  arch: string = process.arch,
  maxAgeMs: number = 7 * DAY_MS
): { primaryKey: string; restoreKeys: string[] } {
  const key = (daysBack: number): string =>
    `${KEY_PREFIX}-${os}-${arch}-` +
    new Date(date.getTime() - daysBack * DAY_MS).toISOString().slice(0, 10)
  const earlier = Math.min(MAX_EARLIER_DAYS, Math.ceil(maxAgeMs / DAY_MS))
  return {
    primaryKey: key(0),
    restoreKeys: Array.from({ length: earlier }, (_, i) => key(i + 1))
  }
}

/** Restores the DB into `<cacheDir>/db` when the Actions cache has one. Never throws. */
export async function restoreDb(
  cacheDir: string,
  date: Date = new Date(),
  maxAgeMs?: number
): Promise<DbCacheState> {
  const { primaryKey, restoreKeys } = dbCacheKeys(date, process.platform, process.arch, maxAgeMs)
  const path = join(cacheDir, 'db')
  let cache: CacheModule
  try {
    cache = await loadCache()
  } catch (error) {
    // The client is a chunk of its own (see loadCache): a chunk that cannot be loaded is a
    // cache that is not there, never a failed scan.
    core.warning(
      `Could not load the Actions cache client, so trivy downloads its database itself: ${describeError(error)}`
    )
    return { path, primaryKey, available: false }
  }
  if (!cache.isFeatureAvailable()) {
    core.info('The Actions cache is not available here: trivy downloads its database itself.')
    return { path, primaryKey, available: false }
  }
  try {
    const restoredKey = await cache.restoreCache([path], primaryKey, restoreKeys)
    if (restoredKey && restoredKey !== primaryKey && !restoreKeys.includes(restoredKey)) {
      // The cache matches restore keys as prefixes: an entry under a longer name is not ours.
      rmSync(path, { recursive: true, force: true })
      core.warning(
        `Ignored the Actions cache entry ${restoredKey}: it is not one of the exact keys of trivy's database; trivy downloads it.`
      )
      return { path, primaryKey, available: true }
    }
    core.info(
      restoredKey
        ? `Restored trivy's database from the Actions cache (${restoredKey}).`
        : `No trivy database in the Actions cache yet (${primaryKey}): trivy downloads it.`
    )
    return { path, primaryKey, restoredKey, available: true }
  } catch (error) {
    core.warning(
      `Could not restore trivy's database from the Actions cache: ${describeError(error)}`
    )
    return { path, primaryKey, available: true }
  }
}

/**
 * Saves the DB under today's key unless that exact key was restored (cache entries are immutable).
 * Call it in a `finally` after the scan: the DB is worth keeping also when the gate failed. Never
 * throws; a matrix job that loses the race to save the same key reads @actions/cache's own line.
 */
export async function saveDb(state: DbCacheState): Promise<void> {
  if (!state.available) return
  if (state.restoredKey === state.primaryKey) {
    core.info(`trivy's database is already cached under ${state.primaryKey}.`)
    return
  }
  if (!existsSync(join(state.path, 'metadata.json'))) {
    core.info('No trivy database to cache (the scan did not get as far as downloading it).')
    return
  }
  try {
    const cache = await loadCache()
    // -1 when the library did not save: it says why itself (another job reserved the key, the
    // service refused the upload…) and never rejects for those, only for a key or path it refuses.
    const id = await cache.saveCache([state.path], state.primaryKey)
    if (id !== -1) core.info(`Saved trivy's database to the Actions cache (${state.primaryKey}).`)
  } catch (error) {
    core.warning(`Could not save trivy's database to the Actions cache: ${describeError(error)}`)
  }
}

/**
 * Throws, naming db-max-age, unless the database in `<cacheDir>/db` was updated within `maxAge`
 * before `now` and not after it. A restored or planted database whose metadata says it never
 * needs an update would otherwise pass every gate with old (or no) advisories.
 */
export function assertDbFresh(
  cacheDir: string,
  maxAge: { text: string; ms: number },
  now: Date = new Date()
): void {
  const file = join(cacheDir, 'db', 'metadata.json')
  let updatedAt = Number.NaN
  try {
    const metadata = JSON.parse(readFileSync(file, 'utf8')) as { UpdatedAt?: unknown }
    if (typeof metadata.UpdatedAt === 'string') updatedAt = Date.parse(metadata.UpdatedAt)
  } catch (error) {
    throw new Error(
      `trivy's vulnerability database has no readable metadata (${file}), so its age cannot be checked against db-max-age`,
      { cause: error }
    )
  }
  const refuse = (why: string): Error =>
    new Error(
      `The gate does not use trivy's vulnerability database: ${why}. ` +
        'Delete the imgsec-trivy-db entries from the Actions cache (or set cache-db: false) so that trivy downloads a fresh one, or raise db-max-age.'
    )
  if (Number.isNaN(updatedAt)) throw refuse(`its metadata (${file}) has no valid UpdatedAt`)
  const when = new Date(updatedAt).toISOString()
  // A minute of slack for clocks that differ between the DB's builder and this runner.
  if (updatedAt > now.getTime() + 60_000)
    throw refuse(`it says it was updated at ${when}, in the future`)
  if (now.getTime() - updatedAt > maxAge.ms) {
    throw refuse(`it was updated at ${when}, longer ago than db-max-age (${maxAge.text})`)
  }
}
