// The pull-request comment as a runner runs it, against a fake GitHub on loopback and the local
// world (stand-in trivy, a real registry): two runs on one pull request leave one comment, updated;
// two images of a matrix leave two; a token that may not write warns once (from a fork: one
// notice) and the step still passes.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pushImage } from '../harness/images.js'
import { TRIVY_FIXTURES_DIR } from '../harness/paths.js'
import { startPullRequestApi, type PullRequestApi } from '../harness/pull-request-api.js'
import {
  cleanupRuns,
  errorLines,
  FAKE_GITHUB_TOKEN,
  warningLines,
  type ActionRun
} from '../harness/runner.js'
import { startWorld, type World } from '../harness/world.js'

// alpine-39.json: 2 critical and 4 medium vulnerabilities, all fixable.
const CRITICAL_REPORT = { STANDIN_TRIVY_REPORT: join(TRIVY_FIXTURES_DIR, 'alpine-39.json') }
const MARKER = /^<!-- imgsec-action:pr-comment category=(\S+) -->\n/

let world: World
let api: PullRequestApi
beforeAll(async () => {
  world = await startWorld()
  api = await startPullRequestApi({ token: FAKE_GITHUB_TOKEN })
})
afterAll(async () => {
  await Promise.all([world.stop(), api.close()])
  cleanupRuns()
})
beforeEach(() => api.reset({ token: FAKE_GITHUB_TOKEN }))

/** The environment of a `pull_request` run for pull request #7 of the runner's repository. */
function pullRequestEnv(head = 'octo-org/octo-app', event = 'pull_request') {
  const path = join(mkdtempSync(join(tmpdir(), 'imgsec-event-')), 'event.json')
  const repo = (name: string) => ({ full_name: name })
  const payload = {
    action: 'synchronize',
    number: 7,
    pull_request: {
      number: 7,
      head: { repo: repo(head) },
      base: { repo: repo('octo-org/octo-app') }
    }
  }
  writeFileSync(path, JSON.stringify(payload))
  return {
    ...CRITICAL_REPORT,
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: path,
    GITHUB_REF: 'refs/pull/7/merge',
    GITHUB_API_URL: api.url
  }
}

const commentRun = (inputs: Record<string, string> = {}, env = pullRequestEnv()) =>
  world.run({ steps: 'scan,gate', 'fail-on': 'high', comment: 'true', ...inputs }, { env })

const lines = (run: ActionRun, kind: string, about: RegExp): string[] =>
  run.stdout.split('\n').filter((line) => line.startsWith(`::${kind}`) && about.test(line))

describe('two runs on one pull request', () => {
  it('leave one comment, updated in place with the second verdict', async () => {
    const first = await commentRun()
    expect(first.exitCode).toBe(1)
    expect(api.comments).toHaveLength(1)
    const comment = api.comments[0]
    expect(comment?.issue).toBe(7)
    expect(comment?.body).toMatch(MARKER)
    expect(comment?.body).toContain('Gate failed: 2 critical at or above HIGH')
    expect(comment?.body).toContain('(https://github.com/octo-org/octo-app/actions/runs/1001)')
    expect(first.stdout).toMatch(/Pull request comment created/)

    const second = await commentRun({ 'fail-on': 'none' })
    expect(second.exitCode).toBe(0)
    expect(api.comments).toHaveLength(1)
    expect(api.comments[0]?.updates).toBe(1)
    expect(api.comments[0]?.body).toContain('Gate passed (fail-on: none)')
    expect(api.comments[0]?.body).not.toContain('Gate failed')
    expect(second.stdout).toMatch(/Pull request comment updated/)
  })

  it('find their comment among many others on later pages', async () => {
    for (let i = 0; i < 120; i++) api.seed(7, `review comment ${i}`)
    await commentRun({ 'fail-on': 'none' })
    await commentRun({ 'fail-on': 'none' })
    expect(api.comments.filter((c) => MARKER.test(c.body))).toHaveLength(1)
    expect(api.comments).toHaveLength(121)
  })
})

describe('two images of a matrix', () => {
  it('leave two comments, one per SARIF category, each kept on the next run', async () => {
    await pushImage(world.registry, 'team/worker', '1.0')
    const worker = { image: `${world.registry.host}/team/worker:1.0`, 'fail-on': 'none' }
    await commentRun({ 'fail-on': 'none' })
    await commentRun(worker)
    await commentRun({ 'fail-on': 'none' })
    await commentRun(worker)
    const categories = api.comments.map((c) => MARKER.exec(c.body)?.[1])
    expect(categories).toEqual([`imgsec/127.0.0.1/team/app`, `imgsec/127.0.0.1/team/worker`])
    expect(api.comments.map((c) => c.updates)).toEqual([1, 1])
    expect(api.comments[1]?.body).toContain('team/worker')
  })
})

describe('a multi-platform image', () => {
  it('has one row of counts per platform in its comment, and one over all platforms', async () => {
    const platforms = ['linux/amd64', 'linux/arm64']
    await pushImage(world.registry, 'team/multi', '1.0', { platforms })
    await commentRun({ image: `${world.registry.host}/team/multi:1.0`, 'fail-on': 'none' })
    const body = api.comments[0]?.body ?? ''
    // alpine-39.json on each platform: 2 critical and 4 medium, all fixable.
    for (const label of ['`linux/amd64`', '`linux/arm64`', '**All platforms**']) {
      expect(body).toContain(`| ${label} | ✅ passed | 2 | 0 | 4 | 0 | 0 | 6 |`)
    }
  })
})

describe('a token that may not write to the pull request', () => {
  it('gives one warning naming pull-requests: write, and the step passes', async () => {
    api.reset({ token: FAKE_GITHUB_TOKEN, writeStatus: 403 })
    const run = await commentRun({ 'fail-on': 'none' })
    expect(run.exitCode).toBe(0)
    expect(errorLines(run)).toEqual([])
    const about = /comment/i
    expect(lines(run, 'warning', about)).toHaveLength(1)
    expect(lines(run, 'warning', about)[0]).toMatch(/pull-requests: write/)
    expect(lines(run, 'notice', about)).toEqual([])
    expect(api.comments).toEqual([])
  })

  it('from a fork gives one notice and no warning, and the step passes', async () => {
    api.reset({ token: FAKE_GITHUB_TOKEN, writeStatus: 403 })
    const run = await commentRun({ 'fail-on': 'none' }, pullRequestEnv('contributor/octo-app'))
    expect(run.exitCode).toBe(0)
    const about = /comment/i
    expect(lines(run, 'notice', about)).toHaveLength(1)
    expect(lines(run, 'notice', about)[0]).toMatch(/fork.*read-only token/)
    expect(warningLines(run).filter((line) => about.test(line))).toEqual([])
  })
})

describe('comment: true', () => {
  it('without a token is refused naming github-token, before any download', async () => {
    const before = world.mirror.requests.count
    const run = await commentRun({ 'github-token': '' })
    expect(run.exitCode).toBe(1)
    expect(errorLines(run)).toEqual([
      expect.stringMatching(/Input 'github-token': must be set when comment is true/)
    ])
    expect(world.mirror.requests.count).toBe(before)
    expect(api.requests).toEqual([])
  })

  it('on a push posts nothing and says why', async () => {
    const env = { ...pullRequestEnv(), GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/main' }
    const run = await commentRun({ 'fail-on': 'none' }, env)
    expect(run.exitCode).toBe(0)
    expect(api.requests).toEqual([])
    expect(run.stdout).toMatch(/the push event has no pull request to comment on/)
  })
})
