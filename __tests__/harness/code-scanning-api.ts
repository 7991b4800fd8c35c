// A local stand-in for GitHub's code scanning SARIF endpoints, on 127.0.0.1 and a free port:
//   POST /repos/{owner}/{repo}/code-scanning/sarifs           -> 202 {id, url}
//   GET  /repos/{owner}/{repo}/code-scanning/sarifs/{sarif_id} -> {processing_status, analyses_url, errors}
// It checks what GitHub checks (token, required fields, gzip+base64 SARIF that parses as JSON),
// answers with GitHub's real error bodies, and records every upload so tests can look at the
// SARIF exactly as the server decoded it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'

export interface CodeScanningApiBehaviour {
  /** Token the server accepts (sent by Octokit as `authorization: token <t>`). */
  token: string
  /** Status the POST answers with instead of 202 (403, 404, 413, 500, 503…). */
  uploadStatus?: number
  /** How many POSTs get `uploadStatus` before the server accepts (default: all of them). */
  uploadFailures?: number
  /** GETs that answer `pending` before the final status (default 1; Infinity = never done). */
  pendingPolls?: number
  /** Final processing status (default `complete`). */
  outcome?: 'complete' | 'failed'
  /** The `errors` of a `failed` outcome. */
  processingErrors?: string[]
}

export interface ReceivedUpload {
  owner: string
  repo: string
  /** The JSON body as sent, `sarif` still gzip+base64. */
  body: Record<string, unknown>
  /** The SARIF after base64-decoding, gunzipping and JSON.parse. */
  sarif: unknown
}

export interface CodeScanningApi {
  /** Base URL to hand to the code under test as the API URL. */
  url: string
  uploads: ReceivedUpload[]
  /** Every POST received, also those answered with an error. */
  uploadRequests: number
  /** GET polls received, per SARIF id. */
  polls: Map<string, number>
  /** Replaces the behaviour for the next requests and clears the records. */
  reset(behaviour: CodeScanningApiBehaviour): void
  close(): Promise<void>
}

const DOCS = 'https://docs.github.com/rest/code-scanning/code-scanning'

// Bodies as GitHub sends them for these statuses.
const ERROR_BODIES: Record<number, { message: string; documentation_url: string }> = {
  401: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' },
  403: {
    message: 'Resource not accessible by integration',
    documentation_url: `${DOCS}#upload-an-analysis-as-sarif-data`
  },
  404: { message: 'Not Found', documentation_url: `${DOCS}#upload-an-analysis-as-sarif-data` },
  413: {
    message: 'Payload Too Large',
    documentation_url: `${DOCS}#upload-an-analysis-as-sarif-data`
  },
  500: { message: 'Server Error', documentation_url: 'https://docs.github.com/rest' },
  503: { message: 'Service Unavailable', documentation_url: 'https://docs.github.com/rest' }
}

export async function startCodeScanningApi(
  initial: CodeScanningApiBehaviour
): Promise<CodeScanningApi> {
  let behaviour = initial
  let nextId = 1
  const issued = new Set<string>()
  const api = {
    url: '',
    uploads: [] as ReceivedUpload[],
    uploadRequests: 0,
    polls: new Map<string, number>()
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { message: String(error) }))
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req)
    if (req.headers.authorization !== `token ${behaviour.token}`) {
      return send(res, 401, ERROR_BODIES[401])
    }
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    const upload = /^\/repos\/([^/]+)\/([^/]+)\/code-scanning\/sarifs$/.exec(path)
    if (upload && req.method === 'POST') {
      api.uploadRequests++
      const failures = behaviour.uploadFailures ?? Infinity
      if (behaviour.uploadStatus !== undefined && api.uploadRequests <= failures) {
        const status = behaviour.uploadStatus
        return send(res, status, ERROR_BODIES[status] ?? { message: `HTTP ${status}` })
      }
      return acceptUpload(res, upload[1] ?? '', upload[2] ?? '', body)
    }
    const status = /^\/repos\/([^/]+)\/([^/]+)\/code-scanning\/sarifs\/([^/]+)$/.exec(path)
    if (status && req.method === 'GET') return reportStatus(res, path, status[3] ?? '')
    send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' })
  }

  function acceptUpload(res: ServerResponse, owner: string, repo: string, raw: string): void {
    let body: Record<string, unknown>
    let sarif: unknown
    try {
      body = JSON.parse(raw) as Record<string, unknown>
      if (typeof body['commit_sha'] !== 'string' || !/^[0-9a-f]{40}$/.test(body['commit_sha'])) {
        throw new Error('commit_sha is not a commit SHA')
      }
      if (typeof body['ref'] !== 'string' || !body['ref'].startsWith('refs/')) {
        throw new Error('ref is not a full ref')
      }
      if (typeof body['sarif'] !== 'string') throw new Error('sarif is missing')
      sarif = JSON.parse(gunzipSync(Buffer.from(body['sarif'], 'base64')).toString('utf8'))
    } catch (error) {
      return send(res, 400, {
        message: `Invalid request. ${error instanceof Error ? error.message : String(error)}`,
        documentation_url: `${DOCS}#upload-an-analysis-as-sarif-data`
      })
    }
    api.uploads.push({ owner, repo, body, sarif })
    const id = `47177e22-5596-11eb-80a1-${String(nextId++).padStart(12, '0')}`
    issued.add(id)
    send(res, 202, { id, url: `${api.url}/repos/${owner}/${repo}/code-scanning/sarifs/${id}` })
  }

  function reportStatus(res: ServerResponse, path: string, id: string): void {
    if (!issued.has(id)) return send(res, 404, ERROR_BODIES[404])
    const seen = (api.polls.get(id) ?? 0) + 1
    api.polls.set(id, seen)
    const analysesUrl = `${api.url}${path.replace(/sarifs\/[^/]+$/, 'analyses')}?sarif_id=${id}`
    if (seen <= (behaviour.pendingPolls ?? 1)) {
      return send(res, 200, { processing_status: 'pending', analyses_url: null, errors: null })
    }
    if (behaviour.outcome === 'failed') {
      return send(res, 200, {
        processing_status: 'failed',
        analyses_url: null,
        errors: behaviour.processingErrors ?? []
      })
    }
    send(res, 200, { processing_status: 'complete', analyses_url: analysesUrl, errors: [] })
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    get url() {
      return api.url
    },
    get uploads() {
      return api.uploads
    },
    get uploadRequests() {
      return api.uploadRequests
    },
    get polls() {
      return api.polls
    },
    reset(next: CodeScanningApiBehaviour) {
      behaviour = next
      api.uploads = []
      api.uploadRequests = 0
      api.polls = new Map()
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      })
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
  res.end(JSON.stringify(body))
}
