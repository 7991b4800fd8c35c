// Posting the pull-request comment against a fake GitHub on loopback: one comment per category,
// found on any page and updated in place; a token that may not write warns (or, from a fork,
// notices) once and does not throw; other failures are retried, then thrown with the fix named.
import { jest, describe, it, expect, beforeAll, afterAll, beforeEach } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  startPullRequestApi,
  type PullRequestApi,
  type PullRequestApiBehaviour
} from '../../harness/pull-request-api.js'

const info = jest.fn<(message: string) => void>()
const warning = jest.fn<(message: string) => void>()
const notice = jest.fn<(message: string) => void>()
jest.unstable_mockModule('@actions/core', () => ({ info, warning, notice }))
const { postPrComment, pullRequestContext, runUrl } =
  await import('../../../src/publish/pr-comment-post.js')
const { commentMarker } = await import('../../../src/publish/pr-comment.js')

const TOKEN = 'ghs_prCommentTestToken0123456789'
const CATEGORY = 'imgsec/ghcr.io/acme/api'
const PR = {
  owner: 'acme',
  repo: 'api',
  number: 7,
  eventName: 'pull_request',
  fromFork: false
} as const

let api: PullRequestApi
let dir: string
beforeAll(async () => {
  api = await startPullRequestApi({ token: TOKEN })
  dir = mkdtempSync(join(tmpdir(), 'pr-comment-'))
})
afterAll(async () => {
  await api.close()
  rmSync(dir, { recursive: true, force: true })
})
beforeEach(() => {
  info.mockClear()
  warning.mockClear()
  notice.mockClear()
})

function serve(behaviour: Omit<PullRequestApiBehaviour, 'token'> = {}): void {
  api.reset({ token: TOKEN, ...behaviour })
}

const body = (text: string, category = CATEGORY): string => `${commentMarker(category)}\n${text}`
const post = (text: string, extra: Partial<Parameters<typeof postPrComment>[0]> = {}) =>
  postPrComment({
    token: TOKEN,
    pullRequest: PR,
    category: CATEGORY,
    body: body(text),
    apiUrl: api.url,
    retryDelayMs: 1,
    ...extra
  })

describe('postPrComment', () => {
  it('creates the comment once, then updates it in place', async () => {
    serve()
    expect(await post('first run')).toMatchObject({ outcome: 'created' })
    expect(await post('second run')).toMatchObject({ outcome: 'updated' })
    expect(api.comments).toHaveLength(1)
    expect(api.comments[0]).toMatchObject({ issue: 7, body: body('second run'), updates: 1 })
  })

  it('keeps one comment per category', async () => {
    serve()
    await post('api', { category: CATEGORY, body: body('api') })
    await post('worker', {
      category: 'imgsec/ghcr.io/acme/worker',
      body: body('w', 'imgsec/ghcr.io/acme/worker')
    })
    await post('api again', { body: body('api again') })
    expect(api.comments.map((c) => c.body)).toEqual([
      body('api again'),
      body('w', 'imgsec/ghcr.io/acme/worker')
    ])
  })

  it('finds its comment on a later page, and leaves comments that only quote it alone', async () => {
    serve()
    for (let i = 0; i < 130; i++) api.seed(7, `comment ${i}`)
    api.seed(7, `> ${body('quoted')}`)
    const ours = api.seed(7, body('an earlier run'), 'github-actions[bot]')
    for (let i = 0; i < 30; i++) api.seed(7, `later ${i}`)
    expect(await post('this run')).toMatchObject({ outcome: 'updated', id: ours.id })
    expect(api.comments).toHaveLength(162)
    expect(ours.body).toBe(body('this run'))
    expect(api.requests.filter((r) => r.startsWith('GET'))).toHaveLength(2)
  })

  it('warns once, naming pull-requests: write, when the token may not write', async () => {
    serve({ writeStatus: 403 })
    expect(await post('x')).toEqual({ outcome: 'not-permitted' })
    expect(warning).toHaveBeenCalledTimes(1)
    expect(warning.mock.calls[0]?.[0]).toMatch(/pull-requests: write/)
    expect(warning.mock.calls[0]?.[0]).toMatch(/Resource not accessible by integration/)
    expect(notice).not.toHaveBeenCalled()
  })

  it('gives one notice, not a warning, for a fork’s read-only token on pull_request', async () => {
    serve({ writeStatus: 403 })
    expect(await post('x', { pullRequest: { ...PR, fromFork: true } })).toEqual({
      outcome: 'not-permitted'
    })
    expect(notice).toHaveBeenCalledTimes(1)
    expect(notice.mock.calls[0]?.[0]).toMatch(/fork.*read-only token/)
    expect(warning).not.toHaveBeenCalled()
  })

  it('warns for a fork on pull_request_target, whose token is the base repository’s', async () => {
    serve({ writeStatus: 403 })
    const pullRequest = { ...PR, fromFork: true, eventName: 'pull_request_target' } as const
    await post('x', { pullRequest })
    expect(warning).toHaveBeenCalledTimes(1)
    expect(notice).not.toHaveBeenCalled()
  })

  it('retries a GitHub outage, then posts', async () => {
    serve({ transientStatus: 503, transientFailures: 2 })
    expect(await post('x')).toMatchObject({ outcome: 'created' })
    expect(api.comments).toHaveLength(1)
  })

  it('throws other failures, naming the pull request and the fix', async () => {
    api.reset({ token: 'another-token' })
    await expect(post('x')).rejects.toThrow(
      /Commenting on pull request #7 of acme\/api failed \(HTTP 401: Bad credentials\)\. The github-token input/
    )
    serve({ transientStatus: 500, transientFailures: 5 })
    await expect(post('x')).rejects.toThrow(/HTTP 500/)
  })
})

describe('pullRequestContext', () => {
  const event = (payload: unknown): string => {
    const path = join(dir, `event-${Math.random()}.json`)
    writeFileSync(path, JSON.stringify(payload))
    return path
  }
  const env = (name: string, payload: unknown): NodeJS.ProcessEnv => ({
    GITHUB_EVENT_NAME: name,
    GITHUB_EVENT_PATH: event(payload),
    GITHUB_REPOSITORY: 'acme/api'
  })
  const pr = (head: string | null) => ({
    number: 7,
    pull_request: { number: 7, head: { repo: head && { full_name: head } } }
  })

  it('is undefined for events that are not a pull request’s', () => {
    expect(pullRequestContext(env('push', {}))).toBeUndefined()
    expect(pullRequestContext(env('workflow_run', pr('acme/api')))).toBeUndefined()
  })

  it('reads the number and whether the head is a fork', () => {
    expect(pullRequestContext(env('pull_request', pr('acme/api')))).toEqual(PR)
    expect(pullRequestContext(env('pull_request', pr('someone/api')))?.fromFork).toBe(true)
    expect(pullRequestContext(env('pull_request', pr(null)))?.fromFork).toBe(true)
    expect(pullRequestContext(env('pull_request_target', pr('acme/api')))?.eventName).toBe(
      'pull_request_target'
    )
  })

  it('refuses a payload without a pull request number', () => {
    expect(() => pullRequestContext(env('pull_request', {}))).toThrow(/no pull request number/)
  })
})

describe('runUrl', () => {
  it('links the run on the server the workflow runs on', () => {
    const base = { GITHUB_REPOSITORY: 'acme/api', GITHUB_RUN_ID: '1001' }
    expect(runUrl({ ...base, GITHUB_SERVER_URL: 'https://github.com' })).toBe(
      'https://github.com/acme/api/actions/runs/1001'
    )
    expect(runUrl({ ...base, GITHUB_SERVER_URL: 'https://ghe.example.com/' })).toBe(
      'https://ghe.example.com/acme/api/actions/runs/1001'
    )
    expect(runUrl({ ...base, GITHUB_SERVER_URL: 'javascript:alert(1)' })).toBeUndefined()
    expect(runUrl({ GITHUB_SERVER_URL: 'https://github.com' })).toBeUndefined()
  })
})
