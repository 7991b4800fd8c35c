// A minimal OCI distribution client for the harness: pushes an artifact (config and layers of any
// media type, which skopeo would not keep as they are) with the registry's own API, and reads a
// repository's tags and manifests to check what the tools really stored.
import { createHash } from 'node:crypto'
import type { TestRegistry } from '../registry.js'

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'

export interface Blob {
  mediaType: string
  bytes: Buffer
  annotations?: Record<string, string>
}

function digestOf(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

function headers(
  registry: TestRegistry,
  extra: Record<string, string> = {}
): Record<string, string> {
  const auth = registry.auth
  const result: Record<string, string> = { ...extra }
  if (auth) {
    const token = Buffer.from(`${auth.username}:${auth.password}`).toString('base64')
    result['Authorization'] = `Basic ${token}`
  }
  return result
}

async function check(response: Response, what: string): Promise<Response> {
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`)
  return response
}

async function pushBlob(
  registry: TestRegistry,
  repository: string,
  bytes: Buffer
): Promise<string> {
  const digest = digestOf(bytes)
  const start = await check(
    await fetch(`${registry.url}/v2/${repository}/blobs/uploads/`, {
      method: 'POST',
      headers: headers(registry)
    }),
    `starting a blob upload to ${repository}`
  )
  await start.arrayBuffer()
  const location = new URL(start.headers.get('location') ?? '', registry.url)
  location.searchParams.set('digest', digest)
  const put = await fetch(location, {
    method: 'PUT',
    headers: headers(registry, { 'Content-Type': 'application/octet-stream' }),
    body: bytes
  })
  await (await check(put, `uploading blob ${digest} to ${repository}`)).arrayBuffer()
  return digest
}

/** Pushes an image manifest over the blobs; returns the manifest's digest. */
export async function pushArtifact(
  registry: TestRegistry,
  repository: string,
  tag: string,
  artifact: { config: Blob; layers: Blob[] }
): Promise<string> {
  const descriptor = async (blob: Blob): Promise<Record<string, unknown>> => ({
    mediaType: blob.mediaType,
    digest: await pushBlob(registry, repository, blob.bytes),
    size: blob.bytes.length,
    ...(blob.annotations ? { annotations: blob.annotations } : {})
  })
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: await descriptor(artifact.config),
      layers: await Promise.all(artifact.layers.map(descriptor))
    })
  )
  const put = await fetch(`${registry.url}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: headers(registry, { 'Content-Type': OCI_MANIFEST }),
    body: manifest
  })
  await (await check(put, `pushing ${repository}:${tag}`)).arrayBuffer()
  return digestOf(manifest)
}

export async function listTags(registry: TestRegistry, repository: string): Promise<string[]> {
  const response = await fetch(`${registry.url}/v2/${repository}/tags/list`, {
    headers: headers(registry)
  })
  if (response.status === 404) return []
  const body = (await (await check(response, `listing ${repository}`)).json()) as {
    tags?: string[] | null
  }
  return body.tags ?? []
}

export interface Manifest {
  mediaType?: string
  artifactType?: string
  config?: { mediaType: string; digest: string }
  layers?: Array<{ mediaType: string; digest: string; annotations?: Record<string, string> }>
  manifests?: Array<{
    mediaType: string
    digest: string
    artifactType?: string
    annotations?: Record<string, string>
  }>
  subject?: { digest: string }
  annotations?: Record<string, string>
}

/** A manifest by tag or digest, or undefined when the registry has none. */
export async function getManifest(
  registry: TestRegistry,
  repository: string,
  reference: string
): Promise<Manifest | undefined> {
  const response = await fetch(`${registry.url}/v2/${repository}/manifests/${reference}`, {
    headers: headers(registry, {
      Accept: [
        OCI_MANIFEST,
        OCI_INDEX,
        'application/vnd.docker.distribution.manifest.v2+json'
      ].join(', ')
    })
  })
  if (response.status === 404) return undefined
  return (await (await check(response, `reading ${repository}:${reference}`)).json()) as Manifest
}
