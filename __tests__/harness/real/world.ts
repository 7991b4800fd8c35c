// The world of the real-tools tier: a loopback registry holding this project's Alpine images and
// its offline trivy DB, a release mirror serving the real trivy and cosign (built from their Go
// modules) under versions of their own, and the real cosign for the tests' own checks. One world per
// test file: the DB and the images are pushed once, and runs share a tool cache (the action still
// verifies the cached binaries against the `*-sha256` inputs on every run).
//
//   const world = await startRealWorld({ auth? })
//   world.images.patched / .vulnerable / .clean / .multi / .cleanMulti   `{ ref, pushed }` (ref: repo:tag)
//   world.push(tag, { platform: packages }, { attestationManifests? })   one more image, pushed now
//   world.run(inputs, options?)       the bundled action with the real tools and the offline DB
//   world.cosign(args, { env? })      the real cosign, offline (private TUF_ROOT, DOCKER_CONFIG)
//   await world.stop()
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PushedImage } from '../images.js'
import { startMirror, type Mirror } from '../mirror.js'
import { startRegistry, type RegistryAuth, type TestRegistry } from '../registry.js'
import { runAction, type ActionRun, type ProcessResult, type RunOptions } from '../runner.js'
import { IMAGE_PACKAGES, pushAlpineImage, type ApkPackage } from './alpine-images.js'
import { pushIndexWithAttestations } from './oci-push.js'
import { realAssetSha256, realRelease, realToolPath, REAL_VERSIONS } from './tools.js'
import { pushTrivyDb, readAdvisories, type Advisories } from './trivy-db.js'

export interface RealImage {
  /** `<host>/<repository>:<tag>` */
  ref: string
  repository: string
  pushed: PushedImage
  /** The package list of each platform. */
  packages: Record<string, ApkPackage[]>
  /** The BuildKit attestation manifests (`unknown/unknown`) the index lists, if any. */
  attestationDigests: string[]
}

export type RealImageName = 'patched' | 'vulnerable' | 'clean' | 'multi' | 'cleanMulti'

export interface RealWorld {
  registry: TestRegistry
  /** The registry that serves the DB (the images' registry unless that one needs a login). */
  dbRegistry: TestRegistry
  mirror: Mirror
  advisories: Advisories
  /** `<host>/imgsec/trivy-db:2` */
  dbRepository: string
  images: Record<RealImageName, RealImage>
  /** Pushes another image to `team/app:<tag>`: an index when given several platforms. */
  push(
    tag: string,
    packages: Record<string, ApkPackage[]>,
    options?: { attestationManifests?: boolean }
  ): Promise<RealImage>
  /** The inputs every run gets: versions, sha256s, mirror, DB repository, no Actions cache. */
  baseInputs: Record<string, string>
  run(inputs: Record<string, string>, options?: Partial<RunOptions>): Promise<ActionRun>
  cosign(
    args: string[],
    options?: { env?: Record<string, string>; cwd?: string }
  ): Promise<ProcessResult>
  stop(): Promise<void>
}

/**
 * A dead proxy for everything but loopback: a real tool that tries the internet (Sigstore's TUF
 * CDN, a public DB mirror) fails at once and visibly instead of leaving this machine.
 */
export const OFFLINE_ENV: Readonly<Record<string, string>> = {
  HTTPS_PROXY: 'http://127.0.0.1:9',
  HTTP_PROXY: 'http://127.0.0.1:9',
  https_proxy: 'http://127.0.0.1:9',
  http_proxy: 'http://127.0.0.1:9',
  NO_PROXY: '127.0.0.1,localhost,::1',
  no_proxy: '127.0.0.1,localhost,::1'
}

export const MULTI_PLATFORMS = { 'linux/amd64': 'patched', 'linux/arm64': 'vulnerable' } as const
/** The index whose every platform is clean, and which lists a BuildKit attestation manifest per platform. */
export const CLEAN_MULTI_PLATFORMS = ['linux/amd64', 'linux/arm64'] as const

export async function startRealWorld(options: { auth?: RegistryAuth } = {}): Promise<RealWorld> {
  // Fail first, with how to build them, when the real tools are missing.
  const cosignPath = realToolPath('cosign')
  realToolPath('trivy')
  const [trivyRelease, cosignRelease] = await Promise.all([
    realRelease('trivy'),
    realRelease('cosign')
  ])
  const registry = await startRegistry({ auth: options.auth })
  const dbRegistry = options.auth ? await startRegistry() : registry
  const mirror = await startMirror({}, { releases: [trivyRelease, cosignRelease] })
  const advisories = readAdvisories()
  const scratch = mkdtempSync(join(tmpdir(), 'imgsec-real-'))
  const toolCache = join(scratch, 'tool-cache')
  try {
    const dbRepository = await pushTrivyDb(dbRegistry, 'imgsec/trivy-db')
    const release = advisories.release
    const image = async (
      tag: string,
      packages: Record<string, ApkPackage[]>,
      imageOptions: { attestationManifests?: boolean } = {}
    ): Promise<RealImage> => {
      const repository = 'team/app'
      const ref = `${registry.host}/${repository}:${tag}`
      if (!imageOptions.attestationManifests) {
        const pushed = await pushAlpineImage(registry, repository, tag, release, packages)
        return { ref, repository, pushed, packages, attestationDigests: [] }
      }
      // Pushed first without them (umoci and skopeo build plain indexes), then re-indexed with them.
      const plain = await pushAlpineImage(registry, repository, `${tag}-plain`, release, packages)
      const { digest, attestationDigests } = await pushIndexWithAttestations(
        registry,
        repository,
        plain.digest,
        tag
      )
      return { ref, repository, pushed: { ...plain, digest }, packages, attestationDigests }
    }
    const images = {
      patched: await image('patched', { 'linux/amd64': IMAGE_PACKAGES.patched }),
      vulnerable: await image('vulnerable', { 'linux/amd64': IMAGE_PACKAGES.vulnerable }),
      clean: await image('clean', { 'linux/amd64': IMAGE_PACKAGES.clean }),
      multi: await image('multi', {
        'linux/amd64': IMAGE_PACKAGES[MULTI_PLATFORMS['linux/amd64']],
        'linux/arm64': IMAGE_PACKAGES[MULTI_PLATFORMS['linux/arm64']]
      }),
      cleanMulti: await image(
        'clean-multi',
        Object.fromEntries(CLEAN_MULTI_PLATFORMS.map((p) => [p, IMAGE_PACKAGES.clean])),
        { attestationManifests: true }
      )
    }
    const baseInputs = {
      'trivy-version': REAL_VERSIONS.trivy,
      'cosign-version': REAL_VERSIONS.cosign,
      'trivy-sha256': await realAssetSha256('trivy'),
      'cosign-sha256': await realAssetSha256('cosign'),
      'download-base-url': mirror.baseUrl,
      'trivy-db-repository': dbRepository,
      'cache-db': 'false'
    }
    const dockerConfig = join(scratch, 'docker')
    writeDockerConfig(dockerConfig, registry)
    return {
      registry,
      dbRegistry,
      mirror,
      advisories,
      dbRepository,
      images,
      push: image,
      baseInputs,
      run: (inputs, runOptions = {}) =>
        runAction({
          toolCache,
          timeoutMs: 240_000,
          ...runOptions,
          env: { ...OFFLINE_ENV, ...runOptions.env },
          inputs: { image: images.patched.ref, ...baseInputs, ...inputs }
        }),
      cosign: (args, cosignOptions = {}) =>
        runCosign(
          cosignPath,
          args,
          {
            TUF_ROOT: join(scratch, 'tuf'),
            DOCKER_CONFIG: dockerConfig,
            COSIGN_PASSWORD: '',
            ...OFFLINE_ENV,
            ...cosignOptions.env
          },
          cosignOptions.cwd ?? scratch
        ),
      async stop() {
        await Promise.all([
          registry.stop(),
          dbRegistry === registry ? undefined : dbRegistry.stop(),
          mirror.stop()
        ])
        rmSync(scratch, { recursive: true, force: true })
      }
    }
  } catch (error) {
    await Promise.all([
      registry.stop(),
      dbRegistry === registry ? undefined : dbRegistry.stop(),
      mirror.stop()
    ])
    rmSync(scratch, { recursive: true, force: true })
    throw error
  }
}

/** A Docker config with the registry's credentials (none when it has no auth). */
function writeDockerConfig(dir: string, registry: TestRegistry): void {
  const auths: Record<string, { auth: string }> = {}
  if (registry.auth) {
    const { username, password } = registry.auth
    auths[registry.host] = { auth: Buffer.from(`${username}:${password}`).toString('base64') }
  }
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths }))
}

/** The real cosign with nothing from this process's environment but PATH and HOME. */
export function runCosign(
  path: string,
  args: string[],
  env: Record<string, string>,
  cwd: string
): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile(
      path,
      args,
      {
        cwd,
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: cwd, ...env },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 120_000
      },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code
        resolve({ exitCode: error ? (typeof code === 'number' ? code : -1) : 0, stdout, stderr })
      }
    )
  })
}
