// Plain registry reads (a manifest's or a blob's bytes) with the registry's own auth dance: an
// anonymous try, then the Bearer token its challenge names (with basic credentials to the token
// server when we have them) or Basic auth. The OCI client cannot return a manifest's raw bytes,
// and only the raw bytes can be checked against their digest.
import { createHash } from 'node:crypto'
import type { RegistryCredentials } from './credentials.js'
import { DOCKER_HUB, isLoopbackRegistry } from './image-ref.js'

export const FETCH_TIMEOUT_MS = 30000
/** Manifests and indexes are small; anything bigger is not one (a registry answering garbage). */
const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024

/** An HTTP status that the registry answered with, as opposed to a network failure. */
export class RegistryStatusError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message)
  }
}

export interface RegistryTarget {
  registry: string
  repository: string
}

/** The host that serves the registry API: Docker Hub's is not the name images use. */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? 'registry-1.docker.io' : registry
}

/**
 * Whether a token server named by a challenge may get our basic credentials: never in clear text,
 * so a plain-HTTP one must be on this machine (a test registry), whatever the registry says.
 */
export function mayReceiveCredentials(tokenUrl: URL): boolean {
  return tokenUrl.protocol === 'https:' || isLoopbackRegistry(tokenUrl.host)
}

function basic(credentials: RegistryCredentials): string {
  const pair = `${credentials.username}:${credentials.password}`
  return `Basic ${Buffer.from(pair).toString('base64')}`
}

/** The Authorization header the 401's challenge asks for, or undefined when we cannot meet it. */
async function authorization(
  response: Response,
  target: RegistryTarget,
  credentials: RegistryCredentials | undefined,
  signal: AbortSignal
): Promise<string | undefined> {
  const challenge = response.headers.get('www-authenticate') ?? ''
  if (/^basic/i.test(challenge)) return credentials && basic(credentials)
  const param = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(challenge)?.[1] ?? ''
  if (!/^bearer /i.test(challenge) || !param('realm')) return undefined
  const tokenUrl = new URL(param('realm'))
  if (!mayReceiveCredentials(tokenUrl)) credentials = undefined
  if (param('service')) tokenUrl.searchParams.set('service', param('service'))
  tokenUrl.searchParams.set('scope', `repository:${target.repository}:pull`)
  const headers: Record<string, string> = credentials ? { Authorization: basic(credentials) } : {}
  const token = await fetch(tokenUrl, { headers, signal })
  if (!token.ok) {
    throw new RegistryStatusError(token.status, `HTTP ${token.status} from ${tokenUrl.origin}`)
  }
  const body = (await token.json()) as { token?: string; access_token?: string }
  return `Bearer ${body.token ?? body.access_token ?? ''}`
}

/**
 * A request to `/v2/<repository>/<path>`, signing in when the registry answers 401. Plain HTTP
 * only to a loopback registry, as docker and cosign do.
 */
export async function registryFetch(
  target: RegistryTarget,
  path: string,
  init: { method: 'GET' | 'HEAD'; accept?: string },
  credentials?: RegistryCredentials
): Promise<Response> {
  const signal = AbortSignal.timeout(FETCH_TIMEOUT_MS)
  const scheme = isLoopbackRegistry(target.registry) ? 'http' : 'https'
  const url = `${scheme}://${apiHost(target.registry)}/v2/${target.repository}/${path}`
  const headers: Record<string, string> = init.accept ? { Accept: init.accept } : {}
  const first = await fetch(url, { method: init.method, headers, signal })
  if (first.status !== 401) return first
  const auth = await authorization(first, target, credentials, signal)
  if (!auth) return first
  return fetch(url, { method: init.method, headers: { ...headers, Authorization: auth }, signal })
}

/**
 * The bytes of a manifest or blob by digest, checked against that digest: a registry (or a proxy
 * in between) cannot make us scan or sign on the strength of content it substituted.
 */
export async function fetchByDigest(
  target: RegistryTarget,
  kind: 'manifests' | 'blobs',
  digest: string,
  accept: string,
  credentials?: RegistryCredentials
): Promise<Buffer> {
  const response = await registryFetch(
    target,
    `${kind}/${digest}`,
    { method: 'GET', accept },
    credentials
  )
  if (response.status !== 200) {
    throw new RegistryStatusError(response.status, `HTTP ${response.status} for ${digest}`)
  }
  const bytes = Buffer.from(await response.arrayBuffer())
  if (bytes.length > MAX_DOCUMENT_BYTES) {
    throw new Error(`${digest} is ${bytes.length} bytes, more than a manifest or config can be`)
  }
  const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`
  if (actual !== digest) {
    throw new Error(`the registry served content with digest ${actual} for ${digest}`)
  }
  return bytes
}
