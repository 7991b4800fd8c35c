// trivy's vulnerability database, downloaded once per run before the scans: one
// `trivy image --download-db-only` call, so that the scans of several platform images can run side by
// side on one cache dir (`--skip-db-update`: they open the database read-only).
import * as core from '@actions/core'
import { ToolError } from '../errors.js'
import type { RegistryAuth } from '../registry/credentials.js'
import { listFlagValue } from '../tools/list-flag.js'
import { runTrivy, trivyErrors } from './run.js'

/** trivy's own default DB repositories since v0.58.0, in the order it tries them. */
export const DEFAULT_DB_REPOSITORIES = [
  'mirror.gcr.io/aquasec/trivy-db:2',
  'ghcr.io/aquasecurity/trivy-db:2'
]

const RATE_LIMITED = /TOOMANYREQUESTS|429 Too Many Requests/
const DB_FAILURE = /failed to download vulnerability DB/

/**
 * Vulnerability-DB repositories trivy logged as failed, in order (`[vulndb] Failed to download
 * artifact repo="…"`); the Java DB logs the same line under `[javadb]`, which is not ours to report.
 */
function failedDbRepositories(stderr: string): string[] {
  const failed = /\[vulndb\] Failed to download artifact\s+repo="([^"]+)"/g
  return [...stderr.matchAll(failed)].map((m) => m[1] ?? '')
}

/** The message for a scan that failed because no DB repository would serve the database. */
function dbFailureMessage(label: string, dbRepositories: string[], stderr: string): string {
  const tried = dbRepositories.length > 0 ? dbRepositories : DEFAULT_DB_REPOSITORIES
  const why = RATE_LIMITED.test(stderr) ? 'rate-limited it (TOOMANYREQUESTS)' : 'failed'
  const head = `trivy could not download its vulnerability database to scan ${label}`
  if (dbRepositories.length === 1) {
    return (
      `${head}: the only repository in trivy-db-repository, ${tried[0]}, ${why}. Add a fallback on ` +
      `the next line of trivy-db-repository (trivy tries them in order), e.g. ${DEFAULT_DB_REPOSITORIES.join(' or ')}, ` +
      'and keep cache-db enabled so that later runs reuse the cached database.'
    )
  }
  return (
    `${head}: every repository tried (${tried.join(', ')}) ${why}. Retry later, add a mirror ` +
    'to trivy-db-repository, and keep cache-db enabled so that later runs reuse the cached database.'
  )
}

export interface DbDownloadOptions {
  /** Empty: trivy's own default order. */
  dbRepositories: string[]
  cacheDir: string
  /** Credentials of the DB repositories' registries (from the user's Docker config), each for its own. */
  auths: RegistryAuth[]
}

export function downloadDbArgs(options: DbDownloadOptions): string[] {
  const args = ['image', '--download-db-only']
  for (const repo of options.dbRepositories) args.push('--db-repository', listFlagValue(repo))
  args.push('--cache-dir', options.cacheDir)
  return args
}

/**
 * Brings the database in the cache dir up to date (trivy downloads nothing when it is fresh).
 *
 * DB rate limits: every repository of `trivy-db-repository` goes into this one call as repeated
 * --db-repository flags, because trivy itself falls back to the next one on 429 and 5xx answers.
 * We read trivy's log to say which repository was skipped, and turn a final TOOMANYREQUESTS into a
 * message that says what to change. A failure throws ToolError: no scan runs without a database.
 */
export async function downloadDb(
  trivyPath: string,
  options: DbDownloadOptions,
  label: string
): Promise<void> {
  const result = await runTrivy(trivyPath, downloadDbArgs(options), {
    cacheDir: options.cacheDir,
    auths: options.auths
  })
  const skipped = failedDbRepositories(result.stderr)
  if (result.exitCode !== 0) {
    const message = DB_FAILURE.test(result.stderr)
      ? dbFailureMessage(label, options.dbRepositories, result.stderr)
      : `trivy could not prepare its vulnerability database to scan ${label} (exit code ${result.exitCode})`
    throw new ToolError(message, trivyErrors(result.stderr))
  }
  if (skipped.length > 0) {
    core.warning(
      `trivy DB repository ${skipped.join(', ')} did not serve the database` +
        (RATE_LIMITED.test(result.stderr) ? ' (rate-limited)' : '') +
        '; trivy fell back to the next DB repository.'
    )
  }
}
