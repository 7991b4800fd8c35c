// Digest resolution: the registry round trip that happens once, before any step, so that every
// tool call after it names the same `repo@sha256:…`.
import * as core from '@actions/core'
import { RegistryClient, type RegistryFetchOptions } from '@sigstore/oci/dist/registry.js'
import type { ImageRef, ResolvedImage } from '../types.js'
import { registryCredentials, type RegistryCredentials } from './credentials.js'
import { DIGEST, formatImageRef, imageName } from './image-ref.js'
import { INDEX_MEDIA_TYPES, listPlatformImages, MANIFEST_MEDIA_TYPES } from './platforms.js'
import { apiHost, FETCH_TIMEOUT_MS, RegistryStatusError, registryFetch } from './registry-fetch.js'

// Retries cover 5xx/429 and dropped connections; the timeout keeps a dead registry from hanging the
// job. Proxies come from HTTPS_PROXY/NO_PROXY (make-fetch-happen reads them when none is given).
const FETCH_OPTIONS = { retry: { retries: 2, minTimeout: 300 }, timeout: FETCH_TIMEOUT_MS }
// The package's type is a Pick over make-fetch-happen's options, whose types it does not ship.
const CLIENT_OPTIONS = FETCH_OPTIONS as Partial<RegistryFetchOptions> as RegistryFetchOptions

interface ManifestHead {
  digest: string
  mediaType: string
}

function statusOf(error: unknown): number | undefined {
  if (error instanceof RegistryStatusError) return error.status
  const status = (error as { statusCode?: unknown } | null)?.statusCode
  return typeof status === 'number' ? status : undefined
}

/** The innermost message of a network failure ("connect ECONNREFUSED 127.0.0.1:1"), if it is one. */
function networkCause(error: unknown): string | undefined {
  let found: string | undefined
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as NodeJS.ErrnoException).code
    if (typeof code === 'string' || current.name === 'TimeoutError') found = current.message
    current = current.cause
  }
  // make-fetch-happen wraps the socket error in "request to <url> failed, reason: …".
  return found?.replace(/^request to \S+ failed, reason: /, '')
}

/**
 * Anonymous pull from a registry that wants a bearer token even for public images (Docker Hub,
 * GHCR). The OCI client's signIn cannot do this: it probes with a push request and always sends
 * basic credentials to the token server.
 */
function anonymousManifestHead(ref: ImageRef, reference: string): Promise<Response> {
  const accept = MANIFEST_MEDIA_TYPES.join(',')
  return registryFetch(ref, `manifests/${reference}`, { method: 'HEAD', accept })
}

/** HEAD of the manifest, signing in only when the registry asks for it (401). */
async function headManifest(
  ref: ImageRef,
  reference: string,
  credentials: RegistryCredentials | undefined
): Promise<ManifestHead> {
  // The client speaks plain HTTP to localhost and 127.0.0.1 only, HTTPS to everything else.
  const client = new RegistryClient(apiHost(ref.registry), ref.repository, CLIENT_OPTIONS)
  try {
    return await client.checkManifest(reference)
  } catch (error) {
    if (statusOf(error) !== 401) throw error
  }
  if (credentials) {
    await client.signIn(credentials)
    return client.checkManifest(reference)
  }
  const response = await anonymousManifestHead(ref, reference)
  if (response.status !== 200) {
    throw new RegistryStatusError(response.status, `HTTP ${response.status} from ${response.url}`)
  }
  return {
    digest: response.headers.get('docker-content-digest') ?? '',
    mediaType: response.headers.get('content-type') ?? ''
  }
}

function resolutionError(
  error: unknown,
  shown: string,
  registry: string,
  hadCredentials: boolean
): Error {
  const status = statusOf(error)
  const network = status === undefined ? networkCause(error) : undefined
  let message: string
  if (status === 404) {
    message = `Image ${shown} was not found in ${registry}: check the tag or digest`
  } else if (status === 401 || status === 403) {
    message = hadCredentials
      ? `Image ${shown}: the registry refused the credentials: check registry-username/registry-password or docker login`
      : `Image ${shown}: the registry refused anonymous access and no credentials were found: set registry-username/registry-password or docker login`
  } else if (network !== undefined) {
    message = `Image ${shown}: could not reach ${registry}: ${network}`
  } else if (status !== undefined) {
    message = `Image ${shown}: ${registry} answered HTTP ${status}: check the registry's status and try again`
  } else {
    // A malformed auth challenge or token answer: the sign-in failed, not the network.
    message = `Image ${shown}: signing in to ${registry} failed: ${(error as Error).message}`
  }
  return new Error(message, { cause: error })
}

/**
 * Resolves the reference to the digest the registry holds (the index's digest for a multi-platform
 * image). A pinned digest is confirmed with the registry rather than trusted.
 */
export async function resolveImage(
  ref: ImageRef,
  credentials?: RegistryCredentials
): Promise<ResolvedImage> {
  const shown = formatImageRef(ref)
  const lookup = registryCredentials(ref.registry, credentials)
  for (const note of lookup.notes) core.info(note)
  if (lookup.source) core.info(`Using credentials for ${ref.registry} from ${lookup.source}`)
  const reference = ref.digest ?? ref.tag ?? 'latest'
  let head: ManifestHead
  try {
    head = await headManifest(ref, reference, lookup.credentials)
  } catch (error) {
    throw resolutionError(error, shown, ref.registry, lookup.credentials !== undefined)
  }
  const digest = ref.digest ?? head.digest
  if (!DIGEST.test(digest)) {
    throw new Error(
      `Image ${shown}: ${ref.registry} did not return a sha256 digest for ${reference} (got "${head.digest}"): pin the image by digest`
    )
  }
  if (ref.digest && head.digest && head.digest !== ref.digest) {
    throw new Error(
      `Image ${shown}: ${ref.registry} answered with digest ${head.digest} for ${ref.digest}: the registry is not serving the pinned content`
    )
  }
  const mediaType = (head.mediaType.split(';')[0] ?? '').trim()
  const isIndex = INDEX_MEDIA_TYPES.has(mediaType)
  const name = imageName(ref)
  let platformImages
  try {
    platformImages = await listPlatformImages(ref, digest, isIndex, shown, lookup.credentials)
  } catch (error) {
    // The listing's own messages (nested index, empty index…) already name the image.
    if (statusOf(error) === undefined && networkCause(error) === undefined) throw error
    throw resolutionError(error, shown, ref.registry, lookup.credentials !== undefined)
  }
  return {
    ref: { ...ref, digest },
    name,
    digest,
    pinnedRef: `${name}@${digest}`,
    mediaType,
    isIndex,
    platformImages
  }
}
