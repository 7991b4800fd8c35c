// Posts the pull-request comment through the REST API: finds this image's comment by its marker
// (every page of the pull request's comments), updates it in place, or creates it. A token that
// may not write to the pull request is not the scan's failure: a missing `pull-requests: write` is
// one warning that names it, a fork's read-only token one notice, and the step goes on (the job
// summary still has everything). Any other failure is thrown for the report phase to record.
import { readFileSync } from 'node:fs'
import * as core from '@actions/core'
import type { getOctokit } from '@actions/github'
import { withRetries, type RetryError } from '../tools/transient-http.js'
import {
  githubMessage,
  httpSummary,
  isHttpError,
  isTransient,
  type HttpError
} from './github-http.js'
import { isOurComment } from './pr-comment.js'

/** The pull request a `pull_request` or `pull_request_target` run is for. */
export interface PullRequestContext {
  owner: string
  repo: string
  number: number
  eventName: 'pull_request' | 'pull_request_target'
  /** The head branch lives in another repository: a `pull_request` run then has a read-only token. */
  fromFork: boolean
}

export interface PostCommentOptions {
  token: string
  pullRequest: PullRequestContext
  /** The SARIF category whose marker identifies the comment. */
  category: string
  body: string
  /** REST API base; defaults to GITHUB_API_URL, then https://api.github.com. */
  apiUrl?: string
  /** Base delay before retrying a 5xx, 429 or network error (default 2 s). */
  retryDelayMs?: number
}

export type PostCommentResult =
  | { outcome: 'created' | 'updated'; id: number; url?: string }
  /** Not posted, and already said so (one warning or one notice). */
  | { outcome: 'not-permitted' }

const PR_EVENTS = ['pull_request', 'pull_request_target'] as const
const ATTEMPTS = 3

interface EventPayload {
  number?: unknown
  pull_request?: {
    number?: unknown
    head?: { repo?: { full_name?: unknown } | null }
    base?: { repo?: { full_name?: unknown } }
  }
}

/**
 * The pull request of this run, or undefined when the event is not a pull request's. Read from
 * GITHUB_EVENT_NAME and the event payload at GITHUB_EVENT_PATH, as @actions/github's context is.
 */
export function pullRequestContext(
  env: NodeJS.ProcessEnv = process.env
): PullRequestContext | undefined {
  const eventName = PR_EVENTS.find((name) => name === env['GITHUB_EVENT_NAME'])
  if (!eventName) return undefined
  const [owner, repo, ...rest] = (env['GITHUB_REPOSITORY'] ?? '').split('/')
  if (!owner || !repo || rest.length > 0) {
    throw new Error(
      `Cannot comment on the pull request: GITHUB_REPOSITORY is '${env['GITHUB_REPOSITORY'] ?? ''}', expected 'owner/repo'.`
    )
  }
  const payload = readPayload(env['GITHUB_EVENT_PATH'])
  const number = Number(payload.pull_request?.number ?? payload.number)
  if (!Number.isInteger(number) || number <= 0) {
    throw new Error(
      `Cannot comment on the pull request: the ${eventName} event payload names no pull request number.`
    )
  }
  const head = payload.pull_request?.head?.repo?.full_name
  // A deleted fork leaves head.repo null: still not this repository.
  const fromFork = head !== `${owner}/${repo}`
  return { owner, repo, number, eventName, fromFork }
}

function readPayload(path: string | undefined): EventPayload {
  if (!path) throw new Error('Cannot comment on the pull request: GITHUB_EVENT_PATH is not set.')
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as EventPayload
  } catch (error) {
    throw new Error(
      `Cannot comment on the pull request: reading the event payload ${path} failed`,
      {
        cause: error
      }
    )
  }
}

/** The page of this workflow run (GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID). */
export function runUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const server = (env['GITHUB_SERVER_URL'] ?? '').replace(/\/+$/, '')
  const repository = env['GITHUB_REPOSITORY'] ?? ''
  const id = env['GITHUB_RUN_ID'] ?? ''
  if (!/^https?:\/\/[^\s/]+$/.test(server) || !/^[\w.-]+\/[\w.-]+$/.test(repository))
    return undefined
  return /^\d+$/.test(id) ? `${server}/${repository}/actions/runs/${id}` : undefined
}

type Octokit = ReturnType<typeof getOctokit>

/** Creates this image's comment on the pull request, or updates the one an earlier run left. */
export async function postPrComment(options: PostCommentOptions): Promise<PostCommentResult> {
  const apiUrl = (options.apiUrl || process.env['GITHUB_API_URL'] || 'https://api.github.com')
    .trim()
    .replace(/\/+$/, '')
  // Loaded only when a comment is asked for: Octokit is a large part of the bundle.
  const { getOctokit } = await import('@actions/github')
  const octokit = getOctokit(options.token, { baseUrl: apiUrl })
  const { owner, repo, number } = options.pullRequest
  const retry = <T>(what: string, call: () => Promise<T>): Promise<T> =>
    withRetries({ attempts: ATTEMPTS, backoffMs: options.retryDelayMs ?? 2000 }, call, {
      isTransient,
      onRetry: (error, attempt) =>
        core.info(`${what} failed on attempt ${attempt} (${httpSummary(error)}); retrying`)
    }).catch((error: RetryError) => {
      throw error.cause
    })
  try {
    const existing = await retry('Listing the pull request comments', () =>
      findComment(octokit, options)
    )
    if (existing !== undefined) {
      const updated = await retry('Updating the pull request comment', () =>
        octokit.rest.issues.updateComment({ owner, repo, comment_id: existing, body: options.body })
      ).catch((error: unknown) => {
        // Deleted since we listed it: a new one is what the user gets from a fresh run anyway.
        if (isHttpError(error) && error.status === 404) return undefined
        throw error
      })
      if (updated) return { outcome: 'updated', id: updated.data.id, url: updated.data.html_url }
    }
    const created = await retry('Creating the pull request comment', () =>
      octokit.rest.issues.createComment({ owner, repo, issue_number: number, body: options.body })
    )
    return { outcome: 'created', id: created.data.id, url: created.data.html_url }
  } catch (error) {
    if (isNotPermitted(error)) return notPermitted(options.pullRequest, error)
    throw commentError(error, options.pullRequest, apiUrl)
  }
}

/** The id of the first comment that carries this category's marker, reading every page. */
async function findComment(
  octokit: Octokit,
  options: PostCommentOptions
): Promise<number | undefined> {
  const { owner, repo, number } = options.pullRequest
  const pages = octokit.paginate.iterator(octokit.rest.issues.listComments, {
    owner,
    repo,
    issue_number: number,
    per_page: 100
  })
  for await (const page of pages) {
    const ours = page.data.find((comment) => isOurComment(comment.body, options.category))
    if (ours) return ours.id
  }
  return undefined
}

/** A fork's read-only token is expected (a notice); a missing permission is a mistake (a warning). */
function notPermitted(pr: PullRequestContext, error: HttpError): PostCommentResult {
  const where = `pull request #${pr.number} of ${pr.owner}/${pr.repo}`
  if (pr.fromFork && pr.eventName === 'pull_request') {
    core.notice(
      `No comment on ${where}: it comes from a fork, and a pull_request run from a fork gets a ` +
        'read-only token. The job summary has the results.'
    )
  } else {
    core.warning(
      `Could not comment on ${where} (${httpSummary(error)}): the job needs ` +
        '`permissions: pull-requests: write`. The job summary has the results.'
    )
  }
  return { outcome: 'not-permitted' }
}

/** GitHub's answer to a token without the permission ("Resource not accessible by integration"). */
function isNotPermitted(error: unknown): error is HttpError {
  return (
    isHttpError(error) &&
    error.status === 403 &&
    /Resource not accessible/i.test(githubMessage(error))
  )
}

function commentError(error: unknown, pr: PullRequestContext, apiUrl: string): Error {
  const prefix = `Commenting on pull request #${pr.number} of ${pr.owner}/${pr.repo} failed`
  if (!isHttpError(error)) return new Error(prefix, { cause: error })
  if (error.response === undefined) {
    return new Error(`${prefix}: could not reach ${apiUrl} (${error.message}).`, { cause: error })
  }
  const hint =
    error.status === 401 ? ` The github-token input is not a valid token for ${apiUrl}.` : ''
  return new Error(`${prefix} (${httpSummary(error)}).${hint}`, { cause: error })
}
