// A local stand-in for GitHub's issue-comment endpoints (a pull request's conversation), on
// 127.0.0.1 and a free port:
//   GET   /repos/{owner}/{repo}/issues/{number}/comments?per_page&page  -> 200 [comment], Link: rel="next"
//   POST  /repos/{owner}/{repo}/issues/{number}/comments                -> 201 comment
//   PATCH /repos/{owner}/{repo}/issues/comments/{id}                    -> 200 comment
// It checks the token, pages the list as GitHub does (per_page up to 100, a Link header to the next
// page), answers a read-only token's writes with GitHub's 403 body, and keeps every comment so
// tests can look at what the pull request shows.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface PullRequestApiBehaviour {
  /** Token the server accepts (sent by Octokit as `authorization: token <t>`). */
  token: string
  /** Status every POST and PATCH answers with (403: a token without pull-requests: write). */
  writeStatus?: number
  /** Status the first `transientFailures` requests of any kind answer with (500, 503…). */
  transientStatus?: number
  transientFailures?: number
}

export interface StoredComment {
  id: number
  issue: number
  body: string
  /** Who wrote it: `github-actions[bot]` for the token, the seed's author otherwise. */
  user: string
  updates: number
}

export interface PullRequestApi {
  url: string
  /** Every comment, in creation order. */
  comments: StoredComment[]
  /** `METHOD path?query` of every request received. */
  requests: string[]
  /** Adds a comment as another author would have written it. */
  seed(issue: number, body: string, user?: string): StoredComment
  reset(behaviour: PullRequestApiBehaviour): void
  close(): Promise<void>
}

const DOCS = 'https://docs.github.com/rest/issues/comments'
const NOT_ACCESSIBLE = {
  message: 'Resource not accessible by integration',
  documentation_url: `${DOCS}#create-an-issue-comment`,
  status: '403'
}

/** GitHub's limit on a comment body, in characters, and its refusal of a longer one. */
export const MAX_BODY = 65_536
const TOO_LONG = {
  message: 'Validation Failed',
  errors: [
    {
      resource: 'IssueComment',
      code: 'custom',
      field: 'body',
      message: 'body is too long (maximum is 65536 characters)'
    }
  ],
  documentation_url: `${DOCS}#create-an-issue-comment`,
  status: '422'
}

export async function startPullRequestApi(
  initial: PullRequestApiBehaviour
): Promise<PullRequestApi> {
  let behaviour = initial
  let nextId = 1000
  const state = { url: '', comments: [] as StoredComment[], requests: [] as string[] }
  let failuresLeft = initial.transientFailures ?? 0

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { message: String(error) }))
  })

  function seed(issue: number, body: string, user = 'octocat'): StoredComment {
    const comment = { id: nextId++, issue, body, user, updates: 0 }
    state.comments.push(comment)
    return comment
  }

  function view(comment: StoredComment): Record<string, unknown> {
    const html = `https://github.com/o/r/pull/${comment.issue}#issuecomment-${comment.id}`
    return { id: comment.id, body: comment.body, user: { login: comment.user }, html_url: html }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req)
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    state.requests.push(`${req.method} ${url.pathname}${url.search}`)
    if (req.headers.authorization !== `token ${behaviour.token}`) {
      return send(res, 401, { message: 'Bad credentials', documentation_url: DOCS })
    }
    if (failuresLeft > 0) {
      failuresLeft--
      return send(res, behaviour.transientStatus ?? 503, { message: 'Service Unavailable' })
    }
    const list = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(url.pathname)
    const one = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(url.pathname)
    const writing = req.method === 'POST' || req.method === 'PATCH'
    if (writing && behaviour.writeStatus !== undefined) {
      return send(res, behaviour.writeStatus, NOT_ACCESSIBLE)
    }
    if (list && req.method === 'GET') return listPage(res, url, Number(list[1]))
    const body = bodyOf(raw)
    if (writing && body === undefined) return send(res, 422, { message: 'Invalid request: body' })
    if (writing && (body as string).length > MAX_BODY) return send(res, 422, TOO_LONG)
    if (list && req.method === 'POST') {
      return send(res, 201, view(seed(Number(list[1]), body as string, 'github-actions[bot]')))
    }
    if (one && req.method === 'PATCH') {
      const comment = state.comments.find((c) => c.id === Number(one[1]))
      if (!comment) return send(res, 404, { message: 'Not Found', documentation_url: DOCS })
      comment.body = body as string
      comment.updates++
      return send(res, 200, view(comment))
    }
    send(res, 404, { message: 'Not Found', documentation_url: DOCS })
  }

  function listPage(res: ServerResponse, url: URL, issue: number): void {
    const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), 100)
    const page = Number(url.searchParams.get('page') ?? 1)
    const all = state.comments.filter((c) => c.issue === issue)
    const slice = all.slice((page - 1) * perPage, page * perPage)
    const headers: Record<string, string> = {}
    if (page * perPage < all.length) {
      const next = new URL(url.toString().replace('http://127.0.0.1', state.url))
      next.searchParams.set('page', String(page + 1))
      next.searchParams.set('per_page', String(perPage))
      headers['link'] = `<${next.toString()}>; rel="next"`
    }
    send(res, 200, slice.map(view), headers)
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    get url() {
      return state.url
    },
    get comments() {
      return state.comments
    },
    get requests() {
      return state.requests
    },
    seed,
    reset(next: PullRequestApiBehaviour) {
      behaviour = next
      failuresLeft = next.transientFailures ?? 0
      state.comments = []
      state.requests = []
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      })
  }
}

function bodyOf(raw: string): string | undefined {
  try {
    const parsed = JSON.parse(raw) as { body?: unknown }
    return typeof parsed.body === 'string' && parsed.body !== '' ? parsed.body : undefined
  } catch {
    return undefined
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

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
  res.end(JSON.stringify(body))
}
