// Which platform images an index has, and which of them `platforms` chooses: pure functions over the
// index document, before any scan.
import { describe, expect, it } from '@jest/globals'
import { platformImagesOfIndex, selectPlatformImages } from '../../../src/registry/platforms.js'
import type { PlatformImage } from '../../../src/types.js'

const SHOWN = 'ghcr.io/org/app:1.0'
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
const digest = (c: string) => `sha256:${c.repeat(64)}`

const entry = (
  platform: { os?: string; architecture?: string; variant?: string } | undefined,
  d: string,
  extra: Record<string, unknown> = {}
) => ({ mediaType: OCI_MANIFEST, digest: d, size: 1, platform, ...extra })

describe('platformImagesOfIndex', () => {
  it('lists each platform image with os/arch[/variant] and its own digest, in the index order', () => {
    const index = {
      manifests: [
        entry({ os: 'linux', architecture: 'amd64' }, digest('a')),
        entry({ os: 'linux', architecture: 'arm64', variant: 'v8' }, digest('b')),
        entry({ os: 'linux', architecture: 'arm', variant: 'v7' }, digest('c'))
      ]
    }
    expect(platformImagesOfIndex(index, SHOWN)).toEqual([
      { platform: 'linux/amd64', digest: digest('a') },
      { platform: 'linux/arm64/v8', digest: digest('b') },
      { platform: 'linux/arm/v7', digest: digest('c') }
    ])
  })

  it('leaves out BuildKit attestation manifests, by platform unknown/unknown or by annotation', () => {
    const index = {
      manifests: [
        entry({ os: 'linux', architecture: 'amd64' }, digest('a')),
        entry({ os: 'unknown', architecture: 'unknown' }, digest('d'), {
          annotations: { 'vnd.docker.reference.digest': digest('a') }
        }),
        entry({ os: 'linux', architecture: 'arm64' }, digest('b')),
        // An attestation manifest is one by its annotation, whatever platform it carries.
        entry({ os: 'linux', architecture: 'arm64' }, digest('e'), {
          annotations: {
            'vnd.docker.reference.type': 'attestation-manifest',
            'vnd.docker.reference.digest': digest('b')
          }
        })
      ]
    }
    expect(platformImagesOfIndex(index, SHOWN)).toEqual([
      { platform: 'linux/amd64', digest: digest('a') },
      { platform: 'linux/arm64', digest: digest('b') }
    ])
  })

  it('refuses a nested index, naming the image and the inner index', () => {
    const index = {
      manifests: [
        entry({ os: 'linux', architecture: 'amd64' }, digest('a')),
        {
          mediaType: 'application/vnd.oci.image.index.v1+json',
          digest: digest('f'),
          size: 1
        }
      ]
    }
    expect(() => platformImagesOfIndex(index, SHOWN)).toThrow(
      `Image ${SHOWN} is an index that lists another index (${digest('f')})`
    )
  })

  it('refuses an entry whose digest is not sha256, naming it', () => {
    const index = {
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: `sha512:${'a'.repeat(128)}`,
          platform: { os: 'linux', architecture: 'amd64' }
        }
      ]
    }
    expect(() => platformImagesOfIndex(index, 'example.com/app:1')).toThrow(
      /example\.com\/app:1 lists sha512:a+: only sha256 digests are supported/
    )
  })

  it('refuses an empty index, and one with only attestation manifests', () => {
    expect(() => platformImagesOfIndex({ manifests: [] }, SHOWN)).toThrow(
      `Image ${SHOWN} is an empty index`
    )
    const onlyAttestations = {
      manifests: [entry({ os: 'unknown', architecture: 'unknown' }, digest('d'))]
    }
    expect(() => platformImagesOfIndex(onlyAttestations, SHOWN)).toThrow('empty index')
    expect(() => platformImagesOfIndex({}, SHOWN)).toThrow('without a manifests list')
  })

  it('refuses a platform listed twice: the two images cannot be told apart', () => {
    const index = {
      manifests: [
        entry({ os: 'linux', architecture: 'amd64' }, digest('a')),
        entry({ os: 'linux', architecture: 'amd64' }, digest('b'))
      ]
    }
    expect(() => platformImagesOfIndex(index, SHOWN)).toThrow(
      `Image ${SHOWN} lists platform linux/amd64 twice`
    )
  })

  it.each([
    ['no platform', undefined],
    ['no architecture', { os: 'linux' }]
  ])('refuses an entry with %s, naming its digest', (_what, platform) => {
    const index = {
      manifests: [
        entry({ os: 'linux', architecture: 'amd64' }, digest('a')),
        entry(platform, digest('c'))
      ]
    }
    expect(() => platformImagesOfIndex(index, SHOWN)).toThrow(
      `Image ${SHOWN} lists a manifest without a platform (${digest('c')})`
    )
  })
})

describe('selectPlatformImages', () => {
  const available: PlatformImage[] = [
    { platform: 'linux/amd64', digest: digest('a') },
    { platform: 'linux/arm64/v8', digest: digest('b') },
    { platform: 'linux/arm/v7', digest: digest('c') },
    { platform: 'linux/s390x', digest: digest('d') }
  ]

  it('chooses every platform image for all, and says that is the whole image', () => {
    expect(selectPlatformImages(available, { kind: 'all' }, SHOWN)).toEqual({
      chosen: available,
      complete: true
    })
  })

  it('chooses the listed platforms in the image order, and says the image is not complete', () => {
    const selection = { kind: 'list' as const, platforms: ['linux/s390x', 'linux/amd64'] }
    expect(selectPlatformImages(available, selection, SHOWN)).toEqual({
      chosen: [available[0], available[3]],
      complete: false
    })
  })

  it('is complete when the list names every platform image', () => {
    const selection = {
      kind: 'list' as const,
      platforms: ['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7', 'linux/s390x']
    }
    expect(selectPlatformImages(available, selection, SHOWN).complete).toBe(true)
  })

  it('matches linux/arm64 with linux/arm64/v8 and linux/arm with linux/arm/v7 (Docker defaults)', () => {
    const selection = { kind: 'list' as const, platforms: ['linux/arm64', 'linux/arm'] }
    expect(selectPlatformImages(available, selection, SHOWN).chosen).toEqual([
      available[1],
      available[2]
    ])
    const plain: PlatformImage[] = [{ platform: 'linux/arm64', digest: digest('e') }]
    const v8 = { kind: 'list' as const, platforms: ['linux/arm64/v8'] }
    expect(selectPlatformImages(plain, v8, SHOWN).chosen).toEqual(plain)
  })

  it('does not match another variant', () => {
    const selection = { kind: 'list' as const, platforms: ['linux/arm/v6'] }
    expect(() => selectPlatformImages(available, selection, SHOWN)).toThrow('has no linux/arm/v6')
  })

  it('refuses a platform the image lacks, naming it and listing what the image has', () => {
    const selection = { kind: 'list' as const, platforms: ['linux/amd64', 'windows/amd64'] }
    expect(() => selectPlatformImages(available, selection, SHOWN)).toThrow(
      `platforms: ${SHOWN} has no windows/amd64 image; it has linux/amd64, linux/arm64/v8, linux/arm/v7, linux/s390x`
    )
  })
})
