// registryFetch and fetchByDigest against a small registry on loopback that records what it was
// sent: the anonymous try, then Basic auth or the Bearer token its challenge names; and content
// checked against the digest it was asked for.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  fetchByDigest,
  mayReceiveCredentials,
  registryFetch
} from '../../../src/registry/registry-fetch.js'

const AUTH = { username: 'ci-bot', password: 'p4ss:word' }
const BASIC = `Basic ${Buffer.from(`${AUTH.username}:${AUTH.password}`).toString('base64')}`
const BODY = JSON.stringify({ schemaVersion: 2, manifests: [] })
const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`
const DIGEST = sha(BODY)

interface Seen {
  path: string
  authorization?: string
}
let seen: Seen[] = []
/** What the registry serves for any manifest: normally BODY, or something substituted. */
let served = BODY
let server: Server
let host: string

function handle(req: IncomingMessage): {
  status: number
  headers?: Record<string, string>
  body?: string
} {
  const url = new URL(req.url ?? '/', `http://${host}`)
  const authorization = req.headers.authorization
  seen.push({ path: `${url.pathname}${url.search}`, authorization })
  if (url.pathname === '/token') {
    if (authorization === undefined)
      return { status: 200, body: JSON.stringify({ token: 'anonymous-token' }) }
    if (authorization === BASIC)
      return { status: 200, body: JSON.stringify({ access_token: 'user-token' }) }
    return { status: 401 }
  }
  const [, , repository] = url.pathname.split('/')
  const manifest = {
    status: 200,
    headers: { 'Content-Type': 'application/vnd.oci.image.index.v1+json' },
    body: served
  }
  if (repository === 'open') return manifest
  if (repository === 'basic') {
    if (authorization === BASIC) return manifest
    return { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="test"' } }
  }
  if (authorization === 'Bearer user-token') return manifest
  // The public repository accepts an anonymous token; the private one only the user's.
  if (repository === 'public' && authorization === 'Bearer anonymous-token') return manifest
  const challenge = `Bearer realm="http://${host}/token",service="test-registry"`
  return { status: 401, headers: { 'WWW-Authenticate': challenge } }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const { status, headers, body } = handle(req)
    res.writeHead(status, headers).end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))
beforeEach(() => {
  seen = []
  served = BODY
})

const get = (repository: string, credentials?: typeof AUTH) =>
  registryFetch(
    { registry: host, repository },
    `manifests/${DIGEST}`,
    { method: 'GET', accept: 'application/vnd.oci.image.index.v1+json' },
    credentials
  )

describe('registryFetch', () => {
  it('asks once, without credentials, when the registry does not ask for them', async () => {
    const response = await get('open', AUTH)
    expect(response.status).toBe(200)
    expect(seen).toEqual([{ path: `/v2/open/manifests/${DIGEST}`, authorization: undefined }])
  })

  it('answers a Basic challenge with the credentials', async () => {
    const response = await get('basic', AUTH)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe(BODY)
    expect(seen.map((s) => s.authorization)).toEqual([undefined, BASIC])
  })

  it('returns the 401 of a Basic challenge when it has no credentials', async () => {
    expect((await get('basic')).status).toBe(401)
    expect(seen).toHaveLength(1)
  })

  it('fetches a pull token with the credentials from the realm the Bearer challenge names', async () => {
    const response = await get('private', AUTH)
    expect(response.status).toBe(200)
    expect(seen.map((s) => s.path)).toEqual([
      `/v2/private/manifests/${DIGEST}`,
      '/token?service=test-registry&scope=repository%3Aprivate%3Apull',
      `/v2/private/manifests/${DIGEST}`
    ])
    expect(seen.map((s) => s.authorization)).toEqual([undefined, BASIC, 'Bearer user-token'])
  })

  it('fetches an anonymous pull token without credentials (public images on Docker Hub, GHCR)', async () => {
    const response = await get('public')
    expect(response.status).toBe(200)
    expect(seen.map((s) => s.authorization)).toEqual([
      undefined,
      undefined,
      'Bearer anonymous-token'
    ])
    expect(seen[1]?.path).toContain('scope=repository%3Apublic%3Apull')
  })

  it('fails with the token server’s status when it refuses the credentials', async () => {
    await expect(get('private', { ...AUTH, password: 'wrong' })).rejects.toThrow(
      `HTTP 401 from http://${host}`
    )
  })
})

describe('fetchByDigest', () => {
  const fetchIt = () =>
    fetchByDigest({ registry: host, repository: 'basic' }, 'manifests', DIGEST, '*/*', AUTH)

  it('returns the bytes when they hash to the digest asked for', async () => {
    expect((await fetchIt()).toString('utf8')).toBe(BODY)
  })

  it('refuses content the registry substituted for the digest', async () => {
    served = JSON.stringify({ schemaVersion: 2, manifests: [{ evil: true }] })
    await expect(fetchIt()).rejects.toThrow(
      `the registry served content with digest ${sha(served)} for ${DIGEST}`
    )
  })

  it('reports the status of a refused read', async () => {
    await expect(
      fetchByDigest({ registry: host, repository: 'basic' }, 'manifests', DIGEST, '*/*')
    ).rejects.toThrow(`HTTP 401 for ${DIGEST}`)
  })
})

describe('mayReceiveCredentials', () => {
  it('sends credentials to an HTTPS token server, or a plain-HTTP one on this machine only', () => {
    expect(mayReceiveCredentials(new URL('https://auth.example.com/token'))).toBe(true)
    expect(mayReceiveCredentials(new URL('http://127.0.0.1:5000/token'))).toBe(true)
    expect(mayReceiveCredentials(new URL('http://localhost:5000/token'))).toBe(true)
    expect(mayReceiveCredentials(new URL('http://auth.example.com/token'))).toBe(false)
    expect(mayReceiveCredentials(new URL('http://10.0.0.5:5000/token'))).toBe(false)
  })
})
