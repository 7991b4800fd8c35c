// The comment as a part of the report phase: the run's per-platform scans become the comment's
// rows, a pull_request run posts it to the API the runner names, any other event posts nothing.
import { jest, describe, it, expect, beforeAll, afterAll, beforeEach } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Finding } from '../../../src/findings/findings.js'
import { evaluateGate } from '../../../src/findings/gate.js'
import type { Inputs } from '../../../src/inputs/inputs.js'
import type { RunState } from '../../../src/pipeline/run-state.js'
import { startPullRequestApi, type PullRequestApi } from '../../harness/pull-request-api.js'

const info = jest.fn<(message: string) => void>()
const warning = jest.fn<(message: string) => void>()
const notice = jest.fn<(message: string) => void>()
jest.unstable_mockModule('@actions/core', () => ({ info, warning, notice }))
const { commentInput, commentOnPullRequest } =
  await import('../../../src/pipeline/pr-comment-step.js')
const { StepLog } = await import('../../../src/pipeline/step-log.js')

const TOKEN = 'ghs_prCommentStepToken0123456789'
const DIGEST = (n: string) => 'sha256:' + n.repeat(64)
const CRITICAL: Finding = {
  kind: 'vulnerability',
  id: 'CVE-2026-0001',
  severity: 'CRITICAL',
  target: 'ghcr.io/acme/api (alpine 3.22)',
  pkg: 'openssl',
  installed: '3.0.0',
  title: 'openssl flaw',
  fixable: false
}

function state(): RunState {
  const inputs = {
    image: { registry: 'ghcr.io', repository: 'acme/api', tag: 'pr-7' },
    steps: new Set(['scan', 'gate']),
    failOn: 'HIGH',
    sarifCategory: 'imgsec/ghcr.io/acme/api',
    githubToken: TOKEN
  } as unknown as Inputs
  const target = (platform: string, d: string) => ({
    platform,
    digest: DIGEST(d),
    ref: `ghcr.io/acme/api@${DIGEST(d)}`
  })
  return {
    inputs,
    steps: new StepLog(inputs.steps),
    tools: {},
    reportFailures: [],
    scans: [
      {
        target: target('linux/amd64', 'a'),
        reportFile: '/tmp/a.json',
        findings: [],
        gate: evaluateGate([], 'HIGH')
      },
      {
        target: target('linux/arm64', 'b'),
        reportFile: '/tmp/b.json',
        findings: [CRITICAL],
        gate: evaluateGate([CRITICAL], 'HIGH')
      }
    ],
    gate: { ...evaluateGate([CRITICAL], 'HIGH'), failingPlatforms: ['linux/arm64'] }
  }
}

let api: PullRequestApi
let dir: string
beforeAll(async () => {
  api = await startPullRequestApi({ token: TOKEN })
  dir = mkdtempSync(join(tmpdir(), 'pr-comment-step-'))
})
afterAll(async () => {
  await api.close()
  rmSync(dir, { recursive: true, force: true })
})
beforeEach(() => {
  api.reset({ token: TOKEN })
  info.mockClear()
})

function env(eventName: string): NodeJS.ProcessEnv {
  const path = join(dir, 'event.json')
  writeFileSync(path, JSON.stringify({ pull_request: { number: 7, head: { repo: null } } }))
  return {
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: path,
    GITHUB_REPOSITORY: 'acme/api',
    GITHUB_API_URL: api.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '42'
  }
}

describe('commentInput', () => {
  it('gives one row per scanned platform, named by its platform, with its own verdict', () => {
    const input = commentInput(state(), undefined, undefined)
    expect(input.category).toBe('imgsec/ghcr.io/acme/api')
    expect(input.imageInput).toBe('ghcr.io/acme/api:pr-7')
    expect(input.platforms.map((p) => [p.label, p.gate?.verdict, p.findings.length])).toEqual([
      ['linux/amd64', 'passed', 0],
      ['linux/arm64', 'failed', 1]
    ])
    expect(input.gate?.failingPlatforms).toEqual(['linux/arm64'])
  })
})

describe('commentOnPullRequest', () => {
  it('posts the comment on a pull_request run, linking the run', async () => {
    await commentOnPullRequest(state(), undefined, env('pull_request'))
    expect(api.comments).toHaveLength(1)
    expect(api.comments[0]?.issue).toBe(7)
    expect(api.comments[0]?.body).toContain('| `linux/arm64` | ❌ failed | 1 |')
    expect(api.comments[0]?.body).toContain('(https://github.com/acme/api/actions/runs/42)')
    expect(info.mock.calls.flat().join('\n')).toMatch(/Pull request comment created/)
  })

  it('posts nothing on another event, and says so', async () => {
    await commentOnPullRequest(state(), undefined, env('push'))
    expect(api.requests).toEqual([])
    expect(info).toHaveBeenCalledWith('comment: the push event has no pull request to comment on')
  })
})
