// The platform images of what `image` resolved to: for an index, each platform image it lists
// (attestation manifests left out); for a single image, itself with the platform its config names.
// Read from the registry by digest and checked against it, before any scan.
import type { PlatformImage, PlatformSelection } from '../types.js'
import type { RegistryCredentials } from './credentials.js'
import { DIGEST } from './image-ref.js'
import { fetchByDigest, type RegistryTarget } from './registry-fetch.js'

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json'
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json'
export const MANIFEST_MEDIA_TYPES = [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST]
export const INDEX_MEDIA_TYPES = new Set([OCI_INDEX, DOCKER_LIST])

interface Descriptor {
  mediaType?: string
  digest?: string
  platform?: { os?: string; architecture?: string; variant?: string }
  annotations?: Record<string, string>
}

/** What BuildKit puts beside the platform images: provenance and SBOM, not something to scan. */
function isAttestationManifest(entry: Descriptor): boolean {
  if (entry.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') return true
  return entry.platform?.os === 'unknown' && entry.platform.architecture === 'unknown'
}

export function platformName(platform: Descriptor['platform']): string | undefined {
  if (!platform?.os || !platform.architecture) return undefined
  const variant = platform.variant ? `/${platform.variant}` : ''
  return `${platform.os}/${platform.architecture}${variant}`
}

/** The platform images an index lists; every entry that is not one is an error naming the image. */
export function platformImagesOfIndex(
  index: { manifests?: unknown },
  shown: string
): PlatformImage[] {
  if (!Array.isArray(index.manifests)) {
    throw new Error(`Image ${shown} is an index without a manifests list: it cannot be scanned`)
  }
  const images: PlatformImage[] = []
  for (const entry of index.manifests as Descriptor[]) {
    if (isAttestationManifest(entry)) continue
    if (entry.mediaType && INDEX_MEDIA_TYPES.has(entry.mediaType)) {
      throw new Error(
        `Image ${shown} is an index that lists another index (${entry.digest ?? 'no digest'}): ` +
          'nested indexes are not supported; give the inner index as the image'
      )
    }
    const platform = platformName(entry.platform)
    if (entry.digest && !DIGEST.test(entry.digest)) {
      throw new Error(`Image ${shown} lists ${entry.digest}: only sha256 digests are supported`)
    }
    if (!platform || !entry.digest) {
      throw new Error(
        `Image ${shown} lists a manifest without a platform (${entry.digest ?? 'no digest'}): ` +
          'every platform image of an index needs os and architecture to be scanned'
      )
    }
    if (images.some((image) => image.platform === platform)) {
      throw new Error(`Image ${shown} lists platform ${platform} twice: it cannot tell them apart`)
    }
    images.push({ platform, digest: entry.digest })
  }
  if (images.length === 0) {
    throw new Error(`Image ${shown} is an empty index: it lists no platform image to scan`)
  }
  return images
}

/**
 * Reads the platform images of `digest` (an index, or a single image whose config names its
 * platform). Throws with the registry's answer as the cause.
 */
export async function listPlatformImages(
  target: RegistryTarget,
  digest: string,
  isIndex: boolean,
  shown: string,
  credentials?: RegistryCredentials
): Promise<PlatformImage[]> {
  const manifest = JSON.parse(
    (
      await fetchByDigest(target, 'manifests', digest, MANIFEST_MEDIA_TYPES.join(','), credentials)
    ).toString('utf8')
  ) as { manifests?: unknown; config?: Descriptor }
  if (isIndex) return platformImagesOfIndex(manifest, shown)
  const configDigest = manifest.config?.digest
  if (!configDigest) throw new Error(`Image ${shown}: its manifest names no config`)
  const config = JSON.parse(
    (await fetchByDigest(target, 'blobs', configDigest, '*/*', credentials)).toString('utf8')
  ) as Descriptor['platform']
  // An image whose config names no platform (an artifact) is still scanned; it just has no label.
  return [{ platform: platformName(config) ?? 'unknown', digest }]
}

/** Docker's defaults: `linux/arm64` is `linux/arm64/v8`, `linux/arm` is `linux/arm/v7`. */
function normalize(platform: string): string {
  const [os, arch, variant] = platform.split('/')
  const defaultVariant = arch === 'arm64' ? 'v8' : arch === 'arm' ? 'v7' : undefined
  const v = variant ?? defaultVariant
  return v ? `${os}/${arch}/${v}` : `${os}/${arch}`
}

/** The image of platform `wanted`: the same name, else the same under Docker's default variants. */
export function findPlatformImage(
  available: readonly PlatformImage[],
  wanted: string
): PlatformImage | undefined {
  return (
    available.find((image) => image.platform === wanted) ??
    available.find((image) => normalize(image.platform) === normalize(wanted))
  )
}

/**
 * The platform images `platforms` chooses, in the image's order, and whether that is all of them.
 * A listed platform the image lacks is an error naming it and what the image has.
 */
export function selectPlatformImages(
  available: PlatformImage[],
  selection: PlatformSelection,
  shown: string
): { chosen: PlatformImage[]; complete: boolean } {
  if (selection.kind === 'all') return { chosen: available, complete: true }
  const chosen = new Set<PlatformImage>()
  for (const wanted of selection.platforms) {
    const match = findPlatformImage(available, wanted)
    if (!match) {
      const has = available.map((image) => image.platform).join(', ')
      throw new Error(
        `platforms: ${shown} has no ${wanted} image; it has ${has}. List some of those, or all`
      )
    }
    chosen.add(match)
  }
  const list = available.filter((image) => chosen.has(image))
  return { chosen: list, complete: list.length === available.length }
}
