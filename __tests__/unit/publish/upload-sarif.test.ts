import { jest, describe, it, expect, beforeAll, afterAll, beforeEach } from '@jest/globals'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  startCodeScanningApi,
  type CodeScanningApi,
  type CodeScanningApiBehaviour
} from '../../harness/code-scanning-api.js'

const info = jest.fn<(message: string) => void>()
const warning = jest.fn<(message: string) => void>()
jest.unstable_mockModule('@actions/core', () => ({ info, warning }))
const { uploadSarif, uploadContext } = await import('../../../src/publish/upload-sarif.js')

const TOKEN = 'ghs_uploadTestToken0123456789'
const SHA = '0123456789abcdef0123456789abcdef01234567'
const SARIF = {
  $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
  version: '2.1.0',
  runs: [
    {
      tool: { driver: { name: 'Trivy', rules: [{ id: 'CVE-2024-0001' }] } },
      automationDetails: { id: 'imgsec/library/alpine/' },
      results: [
        {
          ruleId: 'CVE-2024-0001',
          level: 'error',
          message: { text: 'Package: openssl ✓ unicode survives gzip' },
          locations: [{ physicalLocation: { artifactLocation: { uri: 'library/alpine' } } }]
        }
      ]
    }
  ]
}

let api: CodeScanningApi
let dir: string

beforeAll(async () => {
  api = await startCodeScanningApi({ token: TOKEN })
  dir = await mkdtemp(join(tmpdir(), 'upload-sarif-'))
})
afterAll(async () => {
  await api.close()
  await rm(dir, { recursive: true, force: true })
})
beforeEach(() => {
  info.mockClear()
  warning.mockClear()
})

function serve(behaviour: Omit<CodeScanningApiBehaviour, 'token'>): void {
  api.reset({ token: TOKEN, ...behaviour })
}

const upload = (extra: Partial<Parameters<typeof uploadSarif>[0]> = {}) =>
  uploadSarif({
    sarif: Buffer.from(JSON.stringify(SARIF)),
    token: TOKEN,
    repository: 'octo-org/app',
    commitSha: SHA,
    ref: 'refs/pull/42/merge',
    apiUrl: api.url,
    pollIntervalMs: 1,
    maxWaitMs: 30_000,
    retryDelayMs: 1,
    ...extra
  })

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(Error)
    return error as Error
  }
  throw new Error('expected the upload to fail')
}

describe('uploadSarif', () => {
  it('uploads the SARIF gzip+base64 for the commit and ref, and waits until it is processed', async () => {
    serve({ pendingPolls: 2 })
    const path = join(dir, 'results.sarif')
    await writeFile(path, JSON.stringify(SARIF, null, 2))

    const result = await upload({ sarif: undefined, sarifPath: path })

    expect(result.status).toBe('complete')
    expect(result.analysesUrl).toContain('/repos/octo-org/app/code-scanning/analyses')
    expect(api.uploads).toHaveLength(1)
    const [received] = api.uploads
    expect(received?.owner).toBe('octo-org')
    expect(received?.repo).toBe('app')
    expect(received?.body['commit_sha']).toBe(SHA)
    expect(received?.body['ref']).toBe('refs/pull/42/merge')
    expect(received?.sarif).toEqual(SARIF)
    expect(api.polls.get(result.sarifId)).toBe(3)
    expect(warning).not.toHaveBeenCalled()
  })

  it('reads the API base URL from GITHUB_API_URL when none is given (GitHub Enterprise Server)', async () => {
    serve({ pendingPolls: 0 })
    const saved = process.env['GITHUB_API_URL']
    process.env['GITHUB_API_URL'] = api.url
    try {
      const result = await upload({ apiUrl: undefined })
      expect(result.status).toBe('complete')
      expect(api.uploads).toHaveLength(1)
    } finally {
      if (saved === undefined) delete process.env['GITHUB_API_URL']
      else process.env['GITHUB_API_URL'] = saved
    }
  })

  it('explains a 403 with the permission the job needs, and never shows the token', async () => {
    serve({ uploadStatus: 403 })
    const error = await rejection(upload())
    expect(error.message).toContain('Resource not accessible by integration')
    expect(error.message).toContain('permissions: security-events: write')
    expect(error.message).toMatch(/fork/)
    expect(error.message).toMatch(/Advanced Security/)
    expect(error.message).not.toContain(TOKEN)
    expect(error.cause).toBeDefined()
    expect(api.uploadRequests).toBe(1)
  })

  it('says the repository or code scanning was not found on a 404', async () => {
    serve({ uploadStatus: 404 })
    await expect(upload()).rejects.toThrow(/404.*not found.*code scanning is not enabled/s)
  })

  it('fails with the errors GitHub reported when processing failed', async () => {
    const errors = ['locationFromSarifResult: expected artifact location', 'rejecting SARIF: bad']
    serve({ pendingPolls: 1, outcome: 'failed', processingErrors: errors })
    const error = await rejection(upload())
    expect(error.message).toContain('Code scanning could not process the SARIF')
    expect(error.message).toContain(errors[0])
    expect(error.message).toContain(errors[1])
  })

  it('returns pending with a warning, without failing, when processing outlasts the wait', async () => {
    serve({ pendingPolls: Infinity })
    const result = await upload({ maxWaitMs: 20, pollIntervalMs: 5 })
    expect(result.status).toBe('pending')
    expect(result.sarifId).not.toBe('')
    expect(api.polls.get(result.sarifId)).toBeGreaterThanOrEqual(1)
    expect(warning).toHaveBeenCalledWith(expect.stringContaining('had not finished processing'))
  })

  it('retries an upload that met a transient 5xx and then succeeds', async () => {
    serve({ uploadStatus: 503, uploadFailures: 1, pendingPolls: 0 })
    const result = await upload()
    expect(result.status).toBe('complete')
    expect(api.uploadRequests).toBe(2)
    expect(api.uploads).toHaveLength(1)
  })

  it('gives up after three attempts on a persistent 5xx, naming the status', async () => {
    serve({ uploadStatus: 500 })
    await expect(upload()).rejects.toThrow(/HTTP 500: Server Error/)
    expect(api.uploadRequests).toBe(3)
  })

  it('reports a rejected token as such', async () => {
    serve({})
    await expect(upload({ token: 'ghs_wrong' })).rejects.toThrow(/401.*not a valid token/)
  })

  it('names the API URL when it cannot be reached', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer()
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number }
        server.close(() => resolve(port))
      })
    })
    const apiUrl = `http://127.0.0.1:${closedPort}`
    await expect(upload({ apiUrl })).rejects.toThrow(`could not reach ${apiUrl}`)
  })
})

describe('uploadContext', () => {
  it('takes repository, GITHUB_SHA and the full GITHUB_REF as they are (pull request merge ref)', () => {
    expect(
      uploadContext({
        GITHUB_REPOSITORY: 'octo-org/app',
        GITHUB_SHA: SHA,
        GITHUB_REF: 'refs/pull/42/merge',
        GITHUB_EVENT_NAME: 'pull_request'
      })
    ).toEqual({ repository: 'octo-org/app', commitSha: SHA, ref: 'refs/pull/42/merge' })
  })

  it('refuses a short ref, a missing SHA and a malformed repository', () => {
    const env = {
      GITHUB_REPOSITORY: 'octo-org/app',
      GITHUB_SHA: SHA,
      GITHUB_REF: 'refs/heads/main'
    }
    expect(() => uploadContext({ ...env, GITHUB_REF: 'main' })).toThrow(/GITHUB_REF.*full ref/)
    expect(() => uploadContext({ ...env, GITHUB_SHA: undefined })).toThrow(/GITHUB_SHA/)
    expect(() => uploadContext({ ...env, GITHUB_REPOSITORY: 'app' })).toThrow(/owner\/repo/)
  })
})
