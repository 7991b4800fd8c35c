// Uploads the SARIF report to GitHub code scanning through the REST API ("Upload an analysis as
// SARIF data"), then waits for GitHub to process it, the way github/codeql-action's upload-sarif
// does: a processing failure fails the step, but a slow queue only warns (the analysis is still
// processed in the background, and waiting longer only burns Actions minutes).
import { readFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { gzipSync } from 'node:zlib'
import * as core from '@actions/core'
import type { getOctokit } from '@actions/github'
import { withRetries, type RetryError } from '../tools/transient-http.js'
import { githubMessage, httpSummary, isHttpError, isTransient } from './github-http.js'

export interface UploadSarifOptions {
  /** Path of the SARIF file to upload; give this or `sarif`. */
  sarifPath?: string
  /** The SARIF document as UTF-8 bytes; give this or `sarifPath`. */
  sarif?: Buffer
  token: string
  /** `owner/repo` */
  repository: string
  commitSha: string
  /** Full ref: `refs/heads/main`, `refs/tags/v1`, `refs/pull/42/merge` */
  ref: string
  /** REST API base; defaults to GITHUB_API_URL, then https://api.github.com (GHES differs). */
  apiUrl?: string
  /** `file://` URI of the checkout, for SARIF files that use absolute paths. */
  checkoutUri?: string
  /** Delay between processing-status polls (default 5 s, as codeql-action). */
  pollIntervalMs?: number
  /** How long to wait for processing before giving up with a warning (default 2 min). */
  maxWaitMs?: number
  /** Base delay before retrying an upload that met a 5xx, 429 or network error (default 3 s). */
  retryDelayMs?: number
}

export interface UploadSarifResult {
  sarifId: string
  /** `pending` when GitHub had not finished processing within `maxWaitMs`. */
  status: 'complete' | 'pending'
  /** API URL of the analyses created from the upload (when processing completed). */
  analysesUrl?: string
}

export interface UploadContext {
  repository: string
  commitSha: string
  ref: string
}

const UPLOAD_ATTEMPTS = 3

/**
 * Repository, commit and full ref to upload for, from the workflow environment. Like
 * codeql-action this takes GITHUB_SHA with GITHUB_REF as they are: on `pull_request` they are the
 * merge commit and `refs/pull/N/merge`, which is what puts the alerts on the pull request.
 */
export function uploadContext(env: NodeJS.ProcessEnv = process.env): UploadContext {
  const repository = env['GITHUB_REPOSITORY'] ?? ''
  const commitSha = env['GITHUB_SHA'] ?? ''
  const ref = env['GITHUB_REF'] ?? ''
  if (!/^[^/\s]+\/[^/\s]+$/.test(repository)) {
    throw new Error(
      `Cannot upload SARIF: GITHUB_REPOSITORY is '${repository}', expected 'owner/repo'. Set it when running outside GitHub Actions.`
    )
  }
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(commitSha)) {
    throw new Error(
      `Cannot upload SARIF: GITHUB_SHA is '${commitSha}', expected a full commit SHA. Set it when running outside GitHub Actions.`
    )
  }
  if (!ref.startsWith('refs/')) {
    throw new Error(
      `Cannot upload SARIF: GITHUB_REF is '${ref}', expected a full ref such as refs/heads/main or refs/pull/42/merge.`
    )
  }
  return { repository, commitSha, ref }
}

/** Uploads one SARIF document to code scanning and waits (bounded) for GitHub to process it. */
export async function uploadSarif(options: UploadSarifOptions): Promise<UploadSarifResult> {
  const [owner, repo, ...rest] = options.repository.split('/')
  if (!owner || !repo || rest.length) {
    throw new Error(`Cannot upload SARIF: repository '${options.repository}' is not 'owner/repo'.`)
  }
  const apiUrl = (options.apiUrl || process.env['GITHUB_API_URL'] || 'https://api.github.com')
    .trim()
    .replace(/\/+$/, '')
  const gzipped = gzipSync(await sarifContent(options))
  const payload = gzipped.toString('base64')
  // Loaded only when an upload is asked for: Octokit is a large part of the bundle.
  const { getOctokit } = await import('@actions/github')
  const octokit = getOctokit(options.token, { baseUrl: apiUrl })
  const where = `${options.repository} (${options.ref} at ${options.commitSha.slice(0, 12)})`

  const retryDelayMs = options.retryDelayMs ?? 3000
  const upload = async (): Promise<string> => {
    const response = await octokit.rest.codeScanning.uploadSarif({
      owner,
      repo,
      commit_sha: options.commitSha,
      ref: options.ref,
      sarif: payload,
      ...(options.checkoutUri ? { checkout_uri: options.checkoutUri } : {})
    })
    const id = response.data.id ?? ''
    if (!id) throw new Error(`GitHub accepted the SARIF upload for ${where} but returned no id`)
    return id
  }
  const sarifId = await withRetries(
    { attempts: UPLOAD_ATTEMPTS, backoffMs: retryDelayMs },
    upload,
    {
      isTransient,
      onRetry: (error, attempt) =>
        core.info(`SARIF upload attempt ${attempt} failed (${httpSummary(error)}); retrying`)
    }
  ).catch((error: RetryError) => {
    throw uploadError(error.cause, where, apiUrl, gzipped.length)
  })
  core.info(`Uploaded SARIF to code scanning for ${where}: upload id ${sarifId}`)
  return waitForProcessing(octokit, owner, repo, sarifId, where, options)
}

async function sarifContent(options: UploadSarifOptions): Promise<Buffer> {
  if (options.sarif !== undefined) return options.sarif
  if (!options.sarifPath) throw new Error('Cannot upload SARIF: neither a file nor content given.')
  try {
    return await readFile(options.sarifPath)
  } catch (error) {
    throw new Error(`Cannot upload SARIF: reading ${options.sarifPath} failed`, { cause: error })
  }
}

type Octokit = ReturnType<typeof getOctokit>

async function waitForProcessing(
  octokit: Octokit,
  owner: string,
  repo: string,
  sarifId: string,
  where: string,
  options: UploadSarifOptions
): Promise<UploadSarifResult> {
  const pollIntervalMs = options.pollIntervalMs ?? 5000
  const deadline = Date.now() + (options.maxWaitMs ?? 120_000)
  for (;;) {
    try {
      const { data } = await octokit.rest.codeScanning.getSarif({
        owner,
        repo,
        sarif_id: sarifId
      })
      if (data.processing_status === 'complete') {
        core.info(`Code scanning processed the SARIF upload ${sarifId}`)
        return { sarifId, status: 'complete', analysesUrl: data.analyses_url ?? undefined }
      }
      if (data.processing_status === 'failed') {
        const errors = data.errors?.length ? data.errors : ['(GitHub gave no reason)']
        throw new Error(
          `Code scanning could not process the SARIF uploaded for ${where} (upload ${sarifId}):\n` +
            errors.map((e) => `  - ${e}`).join('\n')
        )
      }
    } catch (error) {
      if (!isHttpError(error)) throw error
      // The upload itself was accepted; a status check that fails only costs us the verdict.
      if (!isTransient(error)) {
        core.warning(
          `Could not check the processing status of SARIF upload ${sarifId} (${httpSummary(error)}). ` +
            'GitHub still processes it in the background; errors in it will show in the Security tab only.'
        )
        return { sarifId, status: 'pending' }
      }
    }
    const remaining = deadline - Date.now()
    if (remaining <= 0) {
      core.warning(
        `Code scanning had not finished processing SARIF upload ${sarifId} for ${where} in time; ` +
          'continuing. It is processed in the background and the alerts appear when it is done.'
      )
      return { sarifId, status: 'pending' }
    }
    await sleep(Math.min(pollIntervalMs, remaining))
  }
}

function uploadError(error: unknown, where: string, apiUrl: string, size: number): Error {
  const prefix = `Uploading SARIF to code scanning for ${where} failed`
  if (!isHttpError(error)) return new Error(prefix, { cause: error })
  if (error.response === undefined) {
    return new Error(`${prefix}: could not reach ${apiUrl} (${error.message}).`, { cause: error })
  }
  const github = githubMessage(error)
  switch (error.status) {
    case 401:
      return new Error(
        `${prefix} (401: ${github}). The github-token input is not a valid token for ${apiUrl}.`,
        { cause: error }
      )
    case 403:
      return new Error(
        `${prefix} (403: ${github}). The job needs \`permissions: security-events: write\`; ` +
          'pull requests from forks only get a read-only token and cannot upload (upload from a ' +
          'workflow_run or push workflow instead); and code scanning must be enabled for the ' +
          'repository (private and internal repositories need GitHub Advanced Security / Code Security).',
        { cause: error }
      )
    case 404:
      return new Error(
        `${prefix} (404: ${github}). The repository was not found at ${apiUrl} or code scanning is ` +
          'not enabled for it; on GitHub Enterprise Server check GITHUB_API_URL.',
        { cause: error }
      )
    case 413:
      return new Error(
        `${prefix} (413: ${github}). The SARIF was ${size} bytes gzip-compressed; code ` +
          'scanning accepts at most 10 MB compressed. Narrow the scan (scanners, ignore-unfixed).',
        { cause: error }
      )
    default:
      return new Error(`${prefix} (HTTP ${error.status}: ${github}).`, { cause: error })
  }
}
