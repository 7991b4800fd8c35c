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

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  platform?: { os: string; architecture: string; variant?: string }
  annotations?: Record<string, string>
}

/** Pushes a manifest (image or index) under `reference` (a tag or its own digest). */
async function pushManifest(
  registry: TestRegistry,
  repository: string,
  reference: string,
  mediaType: string,
  body: Record<string, unknown>
): Promise<Descriptor> {
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, ...body }))
  const digest = digestOf(bytes)
  const put = await fetch(`${registry.url}/v2/${repository}/manifests/${reference || digest}`, {
    method: 'PUT',
    headers: headers(registry, { 'Content-Type': mediaType }),
    body: bytes
  })
  await (await check(put, `pushing ${repository}:${reference || digest}`)).arrayBuffer()
  return { mediaType, digest, size: bytes.length }
}

/** Pushes an image manifest over the blobs (by digest only when `tag` is empty); returns it. */
async function pushImageManifest(
  registry: TestRegistry,
  repository: string,
  tag: string,
  artifact: { config: Blob; layers: Blob[] }
): Promise<Descriptor> {
  const descriptor = async (blob: Blob): Promise<Record<string, unknown>> => ({
    mediaType: blob.mediaType,
    digest: await pushBlob(registry, repository, blob.bytes),
    size: blob.bytes.length,
    ...(blob.annotations ? { annotations: blob.annotations } : {})
  })
  return pushManifest(registry, repository, tag, OCI_MANIFEST, {
    config: await descriptor(artifact.config),
    layers: await Promise.all(artifact.layers.map(descriptor))
  })
}

/** Pushes an image manifest over the blobs; returns the manifest's digest. */
export async function pushArtifact(
  registry: TestRegistry,
  repository: string,
  tag: string,
  artifact: { config: Blob; layers: Blob[] }
): Promise<string> {
  return (await pushImageManifest(registry, repository, tag, artifact)).digest
}

/**
 * Re-tags an index as `tag` with a BuildKit attestation manifest added for each of its platform
 * images, as `docker buildx build --provenance/--sbom` pushes them: an image manifest of in-toto
 * layers, listed as platform `unknown/unknown` with `vnd.docker.reference.type:
 * attestation-manifest` and the digest it describes. Returns the new index's digest and the
 * attestation manifests' digests.
 */
export async function pushIndexWithAttestations(
  registry: TestRegistry,
  repository: string,
  sourceDigest: string,
  tag: string
): Promise<{ digest: string; attestationDigests: string[] }> {
  const source = await getManifest(registry, repository, sourceDigest)
  if (!source?.manifests) throw new Error(`${repository}@${sourceDigest} is not an index`)
  const attestations: Descriptor[] = []
  for (const image of source.manifests) {
    const statement = {
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: 'https://slsa.dev/provenance/v0.2',
      subject: [{ name: `${repository}`, digest: { sha256: image.digest.slice(7) } }],
      predicate: { builder: { id: 'https://imgsec.test/buildkit' } }
    }
    const config = {
      architecture: 'unknown',
      os: 'unknown',
      config: {},
      rootfs: { type: 'layers', diff_ids: [] }
    }
    const manifest = await pushImageManifest(registry, repository, '', {
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        bytes: Buffer.from(JSON.stringify(config))
      },
      layers: [
        {
          mediaType: 'application/vnd.in-toto+json',
          bytes: Buffer.from(JSON.stringify(statement)),
          annotations: { 'in-toto.io/predicate-type': statement.predicateType }
        }
      ]
    })
    attestations.push({
      ...manifest,
      platform: { os: 'unknown', architecture: 'unknown' },
      annotations: {
        'vnd.docker.reference.digest': image.digest,
        'vnd.docker.reference.type': 'attestation-manifest'
      }
    })
  }
  const index = await pushManifest(registry, repository, tag, OCI_INDEX, {
    manifests: [...source.manifests, ...attestations]
  })
  return { digest: index.digest, attestationDigests: attestations.map((a) => a.digest) }
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
    size: number
    artifactType?: string
    platform?: { os: string; architecture: string; variant?: string }
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
