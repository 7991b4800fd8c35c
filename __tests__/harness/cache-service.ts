// The runner's Actions cache service on loopback, as @actions/cache 6.x talks to it on github.com:
// cache service v2 (ACTIONS_CACHE_SERVICE_V2 set), a Twirp JSON API under ACTIONS_RESULTS_URL with
// the job's ACTIONS_RUNTIME_TOKEN as a bearer token, and signed blob URLs for the archive itself.
//
//   POST /twirp/github.actions.results.api.v1.CacheService/CreateCacheEntry
//        {key, version} -> {ok, signed_upload_url}; 409 already_exists when key+version exists
//   PUT  <signed upload URL>   Azure Blob "Put Blob" (x-ms-blob-type: BlockBlob), as the Azure SDK
//                              the library uses sends an archive under 128 MiB: 201 Created
//   POST .../FinalizeCacheEntryUpload {key, version, size_bytes} -> {ok, entry_id}
//   POST .../GetCacheEntryDownloadURL {key, restore_keys, version} -> {ok, signed_download_url,
//        matched_key}: an entry of the same version whose key equals `key`, else the newest whose
//        key starts with `key`, then with each restore key in turn (GitHub's matching rules; one
//        branch scope here); {ok: false} on a miss
//   GET  <signed download URL> the archive bytes
//
//   const cache = await startCacheService()
//   cache.env            ACTIONS_CACHE_SERVICE_V2, ACTIONS_RESULTS_URL, ACTIONS_RUNTIME_TOKEN for a job
//   cache.entries        finalized entries: { key, version, size }
//   cache.requests       { lookups, hits, uploads, downloads }
//   cache.setFault(kind?)  'corrupt-download' (bytes that are no archive), 'reject-upload' (403 on
//                          the blob PUT); no argument clears it
//   await cache.stop()     afterwards the URLs refuse connections (an unreachable cache)
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

const SERVICE = '/twirp/github.actions.results.api.v1.CacheService/'
const RUNTIME_TOKEN = 'actions-runtime-token-for-tests'

export type CacheFault = 'corrupt-download' | 'reject-upload'

interface Entry {
  id: number
  key: string
  version: string
  blob: string
  data?: Buffer
  finalized: boolean
  createdAt: number
}

export interface CacheService {
  env: Record<string, string>
  entries: Array<{ key: string; version: string; size: number }>
  requests: { lookups: number; hits: number; uploads: number; downloads: number }
  setFault(fault?: CacheFault): void
  stop(): Promise<void>
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' })
  res.end(JSON.stringify(body))
}

/** A Twirp error, as the service sends one: HTTP status and `{code, msg}`. */
const twirpError = (res: ServerResponse, status: number, code: string, msg: string): void =>
  json(res, status, { code, msg })

export async function startCacheService(): Promise<CacheService> {
  const entries: Entry[] = []
  const requests = { lookups: 0, hits: 0, uploads: 0, downloads: 0 }
  let fault: CacheFault | undefined
  let nextId = 1
  let baseUrl = ''

  const blobUrl = (blob: string): string =>
    `${baseUrl}/devstoreaccount1/actions-cache/${blob}?sv=2024-11-04&sig=${randomBytes(8).toString('hex')}`

  function match(key: string, restoreKeys: string[], version: string): Entry | undefined {
    const ready = entries
      .filter((entry) => entry.finalized && entry.version === version)
      .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id)
    return (
      ready.find((entry) => entry.key === key) ??
      [key, ...restoreKeys]
        .map((prefix) => ready.find((entry) => entry.key.startsWith(prefix)))
        .find(Boolean)
    )
  }

  async function twirp(
    method: string,
    body: Record<string, unknown>,
    res: ServerResponse
  ): Promise<void> {
    const key = String(body['key'] ?? '')
    const version = String(body['version'] ?? '')
    if (!key || !version)
      return twirpError(res, 400, 'invalid_argument', 'key and version are required')
    if (method === 'CreateCacheEntry') {
      if (entries.some((entry) => entry.key === key && entry.version === version)) {
        return twirpError(
          res,
          409,
          'already_exists',
          'cache entry with the same key and version already exists'
        )
      }
      const entry: Entry = {
        id: nextId++,
        key,
        version,
        blob: randomBytes(12).toString('hex'),
        finalized: false,
        createdAt: Date.now()
      }
      entries.push(entry)
      return json(res, 200, { ok: true, signed_upload_url: blobUrl(entry.blob) })
    }
    if (method === 'FinalizeCacheEntryUpload') {
      const entry = entries.find((e) => e.key === key && e.version === version && !e.finalized)
      if (!entry?.data || String(entry.data.length) !== String(body['size_bytes'])) {
        return json(res, 200, { ok: false, message: `no complete upload for ${key}` })
      }
      entry.finalized = true
      return json(res, 200, { ok: true, entry_id: String(entry.id) })
    }
    if (method === 'GetCacheEntryDownloadURL') {
      requests.lookups++
      const restoreKeys = Array.isArray(body['restore_keys'])
        ? body['restore_keys'].map(String)
        : []
      const entry = match(key, restoreKeys, version)
      if (!entry) return json(res, 200, { ok: false })
      requests.hits++
      return json(res, 200, {
        ok: true,
        signed_download_url: blobUrl(entry.blob),
        matched_key: entry.key
      })
    }
    return twirpError(res, 404, 'bad_route', `no handler for ${method}`)
  }

  async function blob(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const entry = entries.find((e) => e.blob === name)
    if (req.method === 'PUT') {
      const data = await readBody(req)
      if (fault === 'reject-upload' || !entry || entry.finalized) {
        res.writeHead(403, { 'x-ms-error-code': 'AuthorizationFailure' }).end()
        return
      }
      if (req.headers['x-ms-blob-type'] !== 'BlockBlob') {
        res.writeHead(400, { 'x-ms-error-code': 'MissingRequiredHeader' }).end()
        return
      }
      requests.uploads++
      entry.data = data
      res
        .writeHead(201, { ETag: `"0x${entry.id}"`, 'Last-Modified': new Date().toUTCString() })
        .end()
      return
    }
    if (req.method === 'GET' && entry?.finalized && entry.data) {
      requests.downloads++
      const bytes = fault === 'corrupt-download' ? randomBytes(entry.data.length) : entry.data
      res.writeHead(200, { 'Content-Length': String(bytes.length) }).end(bytes)
      return
    }
    res.writeHead(404, { 'x-ms-error-code': 'BlobNotFound' }).end()
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const handle = async (): Promise<void> => {
      if (url.pathname.startsWith(SERVICE) && req.method === 'POST') {
        if (req.headers.authorization !== `Bearer ${RUNTIME_TOKEN}`) {
          return twirpError(res, 401, 'unauthenticated', 'bad runtime token')
        }
        const body = JSON.parse((await readBody(req)).toString('utf8') || '{}')
        return twirp(url.pathname.slice(SERVICE.length), body, res)
      }
      const blobPath = /^\/devstoreaccount1\/actions-cache\/([0-9a-f]+)$/.exec(url.pathname)
      if (blobPath && url.searchParams.has('sig')) return blob(req, res, blobPath[1] as string)
      res.writeHead(404).end()
    }
    handle().catch((error: unknown) => twirpError(res, 500, 'internal', String(error)))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    env: {
      ACTIONS_CACHE_SERVICE_V2: 'true',
      ACTIONS_RESULTS_URL: `${baseUrl}/`,
      ACTIONS_RUNTIME_TOKEN: RUNTIME_TOKEN
    },
    get entries() {
      return entries
        .filter((entry) => entry.finalized)
        .map(({ key, version, data }) => ({ key, version, size: data?.length ?? 0 }))
    },
    requests,
    setFault(kind) {
      fault = kind
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
