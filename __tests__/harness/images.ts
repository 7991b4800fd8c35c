// Real OCI images for tests, built with umoci (no daemon, no network) and pushed with skopeo to the
// loopback registry of ./registry.ts. Every image carries a marker file, so digests never collide.
//
//   pushImage(registry, repo, tag, { platforms?, files?, reports?, attestations? })
//       one image, or an OCI index of one image per platform; `reports` names the trivy report the
//       stand-in trivy reads for each platform (a label in that image's config, see below), and
//       `attestations` adds a BuildKit-style attestation manifest for each platform image
//   pushIndex(registry, repo, tag, manifests)   an index over what the registry already holds
//                                               (an empty index, an index nested in an index)
//   deleteBlob(registry, repo, digest)          a layer gone: the image can no longer be pulled
import { execFile } from 'node:child_process'
import { createHash, randomUUID } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import type { RegistryAuth, TestRegistry } from './registry.js'

const run = promisify(execFile)

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
const IN_TOTO = 'application/vnd.in-toto+json'

/**
 * The config label the stand-in trivy reads to find the report of an image (absolute path): as the
 * real trivy finds what it finds in the image, the stand-in finds it through the image, so the
 * platform images of one index can differ (a vulnerable arm64, a clean amd64).
 */
export const STANDIN_REPORT_LABEL = 'org.imgsec.standin.trivy-report'
/** BuildKit's annotations on an attestation manifest's entry in an index. */
export const ATTESTATION_REFERENCE_TYPE = 'vnd.docker.reference.type'
export const ATTESTATION_REFERENCE_DIGEST = 'vnd.docker.reference.digest'

export interface PushOptions {
  /** `os/architecture[/variant]`; several build a multi-platform image (an OCI index). */
  platforms?: string[]
  /** Credentials for the push; defaults to the registry's own. */
  auth?: RegistryAuth
  /** Text written into the image, so that two pushes with the same marker differ only in time. */
  marker?: string
  /** Files written into each platform's image, by path inside the root (e.g. an OS package database). */
  files?: (platform: string) => Record<string, string>
  /** The trivy report (absolute path) the stand-in trivy reports for each platform's image. */
  reports?: (platform: string) => string | undefined
  /**
   * Adds, as BuildKit does for provenance and SBOMs, an attestation manifest per platform image to
   * the index (`platform: unknown/unknown`, annotation `vnd.docker.reference.type:
   * attestation-manifest`); a single-platform image then becomes an index of one image.
   */
  attestations?: boolean
}

export interface PushedImage {
  /** Digest the tag points at: the index for a multi-platform image. */
  digest: string
  /** Digest of each platform's manifest, keyed by `os/architecture[/variant]`. */
  platformDigests: Record<string, string>
  /** Digest of each platform's attestation manifest (with `attestations`), keyed like platformDigests. */
  attestationDigests: Record<string, string>
  /** Each platform image's layer digests, keyed like platformDigests. */
  layerDigests: Record<string, string[]>
}

interface Descriptor {
  mediaType: string
  digest: string
  size: number
  annotations?: Record<string, string>
}

async function tool(command: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(command, args, { maxBuffer: 16 * 1024 * 1024 })
    return stdout
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? ''
    throw new Error(`${command} ${args.join(' ')} failed:\n${stderr}`, { cause: error })
  }
}

function readIndex(layout: string): { manifests: Descriptor[] } {
  return JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: Descriptor[] }
}

function refDescriptor(layout: string, ref: string): Descriptor {
  const found = readIndex(layout).manifests.find(
    (entry) => entry.annotations?.['org.opencontainers.image.ref.name'] === ref
  )
  if (!found) throw new Error(`no ref ${ref} in ${layout}`)
  return found
}

/** One single-platform image under `ref` in the layout. */
async function buildPlatformImage(
  work: string,
  layout: string,
  ref: string,
  platform: string,
  marker: string,
  files: Record<string, string> = {},
  report?: string
): Promise<void> {
  const [os = 'linux', architecture = 'amd64'] = platform.split('/')
  const image = `${layout}:${ref}`
  const bundle = join(work, `bundle-${ref}`)
  await tool('umoci', ['new', '--image', image])
  // --rootless: no chown/mknod, so it works the same for root and for an unprivileged CI user.
  await tool('umoci', ['unpack', '--rootless', '--image', image, bundle])
  writeFileSync(join(bundle, 'rootfs', 'imgsec-marker'), `${marker} ${platform}\n`)
  for (const [path, text] of Object.entries(files)) {
    const target = join(bundle, 'rootfs', path)
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, text)
  }
  await tool('umoci', ['repack', '--image', image, bundle])
  // umoci cannot set the config's variant: the index entry carries it (what resolvers read).
  await tool('umoci', [
    'config',
    '--image',
    image,
    '--os',
    os,
    '--architecture',
    architecture,
    ...(report ? ['--config.label', `${STANDIN_REPORT_LABEL}=${report}`] : [])
  ])
}

function writeBlob(layout: string, bytes: Buffer): string {
  const hex = createHash('sha256').update(bytes).digest('hex')
  writeFileSync(join(layout, 'blobs', 'sha256', hex), bytes)
  return `sha256:${hex}`
}

/**
 * A BuildKit attestation manifest for the image `subject`: an image manifest whose config says
 * `unknown/unknown` and whose one layer is an in-toto statement (an SPDX SBOM of nothing).
 */
function writeAttestationManifest(layout: string, subject: string, platform: string): Descriptor {
  const statement = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: 'https://spdx.dev/Document',
      subject: [{ name: `imgsec-test ${platform}`, digest: { sha256: subject.slice(7) } }],
      predicate: { spdxVersion: 'SPDX-2.3', name: 'imgsec-test', packages: [] }
    })
  )
  const layerDigest = writeBlob(layout, statement)
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'unknown',
      os: 'unknown',
      config: {},
      rootfs: { type: 'layers', diff_ids: [layerDigest] }
    })
  )
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: writeBlob(layout, config),
        size: config.length
      },
      layers: [
        {
          mediaType: IN_TOTO,
          digest: layerDigest,
          size: statement.length,
          annotations: { 'in-toto.io/predicate-type': 'https://spdx.dev/Document' }
        }
      ]
    })
  )
  return {
    mediaType: OCI_MANIFEST,
    digest: writeBlob(layout, manifest),
    size: manifest.length,
    annotations: {
      [ATTESTATION_REFERENCE_DIGEST]: subject,
      [ATTESTATION_REFERENCE_TYPE]: 'attestation-manifest'
    }
  }
}

function layersOf(layout: string, manifest: string): string[] {
  const json = JSON.parse(
    readFileSync(join(layout, 'blobs', 'sha256', manifest.slice(7)), 'utf8')
  ) as { layers: Descriptor[] }
  return json.layers.map((layer) => layer.digest)
}

/** Writes an OCI index over the platform refs and points `ref` at it. */
function writeImageIndex(
  layout: string,
  ref: string,
  platforms: Map<string, Descriptor>,
  attestations: Map<string, Descriptor>
): void {
  const manifests = [...platforms].map(([platform, descriptor]) => {
    const [os, architecture, variant] = platform.split('/')
    return {
      mediaType: descriptor.mediaType,
      digest: descriptor.digest,
      size: descriptor.size,
      platform: { architecture, os, ...(variant ? { variant } : {}) }
    }
  })
  // BuildKit lists the attestation manifests after the platform images.
  for (const descriptor of attestations.values()) {
    manifests.push({
      ...descriptor,
      platform: { architecture: 'unknown', os: 'unknown' }
    } as (typeof manifests)[number])
  }
  const blob = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }))
  const digest = writeBlob(layout, blob)
  const index = readIndex(layout)
  index.manifests.push({
    mediaType: OCI_INDEX,
    digest,
    size: blob.length,
    annotations: { 'org.opencontainers.image.ref.name': ref }
  })
  writeFileSync(join(layout, 'index.json'), JSON.stringify(index))
}

/** Builds an image (one per platform, indexed when several) and pushes it as `repository:tag`. */
export async function pushImage(
  registry: TestRegistry,
  repository: string,
  tag: string,
  options: PushOptions = {}
): Promise<PushedImage> {
  const platforms = options.platforms ?? ['linux/amd64']
  const marker = options.marker ?? `${repository}:${tag} ${randomUUID()}`
  const auth = options.auth ?? registry.auth
  const work = mkdtempSync(join(tmpdir(), 'imgsec-image-'))
  try {
    const layout = join(work, 'layout')
    await tool('umoci', ['init', '--layout', layout])
    const descriptors = new Map<string, Descriptor>()
    const attestations = new Map<string, Descriptor>()
    for (const [i, platform] of platforms.entries()) {
      await buildPlatformImage(
        work,
        layout,
        `platform-${i}`,
        platform,
        marker,
        options.files?.(platform),
        options.reports?.(platform)
      )
      const descriptor = refDescriptor(layout, `platform-${i}`)
      descriptors.set(platform, descriptor)
      if (options.attestations)
        attestations.set(platform, writeAttestationManifest(layout, descriptor.digest, platform))
    }
    let source = 'platform-0'
    if (platforms.length > 1 || options.attestations) {
      source = 'index'
      writeImageIndex(layout, source, descriptors, attestations)
    }
    const digestFile = join(work, 'digest')
    await tool('skopeo', [
      'copy',
      '--quiet',
      '--insecure-policy',
      '--all',
      '--preserve-digests',
      '--dest-tls-verify=false',
      ...(auth ? ['--dest-creds', `${auth.username}:${auth.password}`] : []),
      '--digestfile',
      digestFile,
      `oci:${layout}:${source}`,
      `docker://${registry.host}/${repository}:${tag}`
    ])
    const platformDigests: Record<string, string> = {}
    const layerDigests: Record<string, string[]> = {}
    for (const [platform, descriptor] of descriptors) {
      platformDigests[platform] = descriptor.digest
      layerDigests[platform] = layersOf(layout, descriptor.digest)
    }
    const attestationDigests: Record<string, string> = {}
    for (const [platform, descriptor] of attestations)
      attestationDigests[platform] = descriptor.digest
    return {
      digest: readFileSync(digestFile, 'utf8').trim(),
      platformDigests,
      attestationDigests,
      layerDigests
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

function authHeaders(registry: TestRegistry, extra: Record<string, string> = {}) {
  const auth = registry.auth
  if (!auth) return extra
  const basic = Buffer.from(`${auth.username}:${auth.password}`).toString('base64')
  return { ...extra, Authorization: `Basic ${basic}` }
}

async function checked(response: Response, what: string): Promise<void> {
  const text = await response.text()
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${text}`)
}

/** An entry of an index pushed with pushIndex: what the registry holds, and how the index lists it. */
export interface IndexEntry {
  mediaType: string
  digest: string
  size: number
  platform?: { os: string; architecture: string; variant?: string }
  annotations?: Record<string, string>
}

/** The descriptor of a manifest the registry holds, for pushIndex. */
export async function describeManifest(
  registry: TestRegistry,
  repository: string,
  digest: string
): Promise<IndexEntry> {
  const response = await fetch(`${registry.url}/v2/${repository}/manifests/${digest}`, {
    headers: authHeaders(registry, {
      Accept: [OCI_MANIFEST, OCI_INDEX].join(', ')
    })
  })
  const bytes = Buffer.from(await response.arrayBuffer())
  if (!response.ok) throw new Error(`reading ${repository}@${digest}: HTTP ${response.status}`)
  const mediaType =
    (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType ?? OCI_MANIFEST
  return { mediaType, digest, size: bytes.length }
}

/**
 * Pushes an OCI index listing `manifests` (which the registry must already hold) as
 * `repository:tag`: an empty index, or an index nested in an index, which no build tool makes.
 */
export async function pushIndex(
  registry: TestRegistry,
  repository: string,
  tag: string,
  manifests: IndexEntry[]
): Promise<string> {
  const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }))
  const response = await fetch(`${registry.url}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: authHeaders(registry, { 'Content-Type': OCI_INDEX }),
    body
  })
  await checked(response, `pushing the index ${repository}:${tag}`)
  return `sha256:${createHash('sha256').update(body).digest('hex')}`
}

/** Deletes a blob (a layer) from the repository, so that pulling an image that needs it fails. */
export async function deleteBlob(
  registry: TestRegistry,
  repository: string,
  digest: string
): Promise<void> {
  const response = await fetch(`${registry.url}/v2/${repository}/blobs/${digest}`, {
    method: 'DELETE',
    headers: authHeaders(registry)
  })
  await checked(response, `deleting ${digest} from ${repository}`)
}
