// Real OCI images for tests, built with umoci (no daemon, no network) and pushed with skopeo to the
// loopback registry of ./registry.ts. Every image carries a marker file, so digests never collide.
import { execFile } from 'node:child_process'
import { createHash, randomUUID } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import type { RegistryAuth, TestRegistry } from './registry.js'

const run = promisify(execFile)

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'

export interface PushOptions {
  /** `os/architecture[/variant]`; several build a multi-platform image (an OCI index). */
  platforms?: string[]
  /** Credentials for the push; defaults to the registry's own. */
  auth?: RegistryAuth
  /** Text written into the image, so that two pushes with the same marker differ only in time. */
  marker?: string
  /** Files written into each platform's image, by path inside the root (e.g. an OS package database). */
  files?: (platform: string) => Record<string, string>
}

export interface PushedImage {
  /** Digest the tag points at: the index for a multi-platform image. */
  digest: string
  /** Digest of each platform's manifest, keyed by `os/architecture[/variant]`. */
  platformDigests: Record<string, string>
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
  files: Record<string, string> = {}
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
  await tool('umoci', ['config', '--image', image, '--os', os, '--architecture', architecture])
}

/** Writes an OCI index over the platform refs and points `ref` at it. */
function writeImageIndex(layout: string, ref: string, platforms: Map<string, Descriptor>): void {
  const manifests = [...platforms].map(([platform, descriptor]) => {
    const [os, architecture, variant] = platform.split('/')
    return {
      mediaType: descriptor.mediaType,
      digest: descriptor.digest,
      size: descriptor.size,
      platform: { architecture, os, ...(variant ? { variant } : {}) }
    }
  })
  const blob = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }))
  const hex = createHash('sha256').update(blob).digest('hex')
  writeFileSync(join(layout, 'blobs', 'sha256', hex), blob)
  const index = readIndex(layout)
  index.manifests.push({
    mediaType: OCI_INDEX,
    digest: `sha256:${hex}`,
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
    for (const [i, platform] of platforms.entries()) {
      await buildPlatformImage(
        work,
        layout,
        `platform-${i}`,
        platform,
        marker,
        options.files?.(platform)
      )
      descriptors.set(platform, refDescriptor(layout, `platform-${i}`))
    }
    let source = 'platform-0'
    if (platforms.length > 1) {
      source = 'index'
      writeImageIndex(layout, source, descriptors)
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
    for (const [platform, descriptor] of descriptors) platformDigests[platform] = descriptor.digest
    return { digest: readFileSync(digestFile, 'utf8').trim(), platformDigests }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
