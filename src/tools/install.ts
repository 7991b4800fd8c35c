// Verified install of trivy and cosign through the Actions tool cache, in actions/setup-go's order:
// find in the cache -> download -> verify the SHA-256 -> only then extract and cache -> path.
// Nothing unverified ever reaches the tool cache: a mismatch deletes the download and throws.
import * as core from '@actions/core'
import { HttpClient } from '@actions/http-client'
import * as tc from '@actions/tool-cache'
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream, existsSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { InputError } from '../errors.js'
import type { ToolVersionInput } from '../types.js'
import {
  assetKind,
  assetName,
  checksumsFileName,
  currentPlatform,
  executableName,
  PINS,
  pinnedSha256,
  platformLabel,
  releaseFileUrl,
  type Platform,
  type Tool
} from './releases.js'

export interface InstalledTool {
  tool: Tool
  version: string
  /** Absolute path of the executable. */
  path: string
  /** The version is the one this action pins (verified against the embedded SHA-256). */
  pinned: boolean
  /** Found in the tool cache: nothing was downloaded. */
  fromCache: boolean
}

/** Bounded retry of transient download failures (5xx, 408, 429, resets); backoff doubles each time. */
export interface RetryPolicy {
  attempts: number
  backoffMs: number
}

export interface InstallOptions {
  /** Defaults to this process's platform; tests inject others. */
  platform?: Platform
  retry?: RetryPolicy
}

// @actions/tool-cache's downloadTool retries too, but sleeps a hard-coded 10-20 s between attempts;
// a short, bounded backoff of our own keeps a flaky mirror from stalling the job.
export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, backoffMs: 1000 }

/** Installs the tools the chosen steps need, both downloads at the same time. */
export async function installTools(
  needs: { trivy?: ToolVersionInput; cosign?: ToolVersionInput },
  downloadBaseUrl: string,
  options: InstallOptions = {}
): Promise<{ trivy?: InstalledTool; cosign?: InstalledTool }> {
  // allSettled, not all: a failure of one must not leave the other writing to the tool cache
  // while the action is already reporting the error and exiting.
  const [trivy, cosign] = await Promise.allSettled([
    needs.trivy && installTool('trivy', needs.trivy, downloadBaseUrl, options),
    needs.cosign && installTool('cosign', needs.cosign, downloadBaseUrl, options)
  ])
  const failures = [trivy, cosign].filter((r) => r.status === 'rejected')
  if (failures.length === 1) throw failures[0]?.reason
  if (failures.length === 2) {
    const message = failures.map((f) => (f.reason as Error).message).join('\n')
    throw new Error(message, { cause: failures[0]?.reason })
  }
  return {
    trivy: trivy.status === 'fulfilled' ? trivy.value : undefined,
    cosign: cosign.status === 'fulfilled' ? cosign.value : undefined
  }
}

/** Returns the verified executable of `tool` at the requested version, from the cache or a download. */
export async function installTool(
  tool: Tool,
  request: ToolVersionInput,
  downloadBaseUrl: string,
  options: InstallOptions = {}
): Promise<InstalledTool> {
  const { version } = request
  const platform = options.platform ?? currentPlatform()
  const asset = assetName(tool, version, platform)
  if (!asset)
    throw new Error(`${tool} ${version} has no release asset for ${platformLabel(platform)}`)
  const pin = pinnedSha256(tool, version, asset)
  const userSha = request.sha256?.toLowerCase()
  if (pin && userSha && userSha !== pin) {
    throw new InputError(
      `${tool}-sha256`,
      `${userSha} differs from the SHA-256 this action pins for ${asset} of ${tool} ${version} ` +
        `(${pin}); remove the input or correct it`
    )
  }
  const pinned = version === PINS[tool].version
  const cacheArch = platform.arch === 'amd64' ? 'x64' : 'arm64'
  const exe = executableName(tool, platform)

  const cached = tc.find(tool, version, cacheArch)
  if (cached && existsSync(join(cached, exe))) {
    core.info(`${tool} ${version}: found in the tool cache (${cached})`)
    return { tool, version, path: join(cached, exe), pinned, fromCache: true }
  }

  const url = releaseFileUrl(downloadBaseUrl, tool, version, asset)
  const retry = options.retry ?? DEFAULT_RETRY
  const tempBase = process.env['RUNNER_TEMP'] || tmpdir()
  await mkdir(tempBase, { recursive: true })
  const workDir = await mkdtemp(join(tempBase, `imgsec-${tool}-`))
  try {
    const file = join(workDir, asset)
    core.info(`${tool} ${version}: downloading ${url}`)
    // Both settle before we go on, so no download is still writing when workDir is removed. The
    // asset's failure comes first: a 404 there says more than one for the checksums file.
    const [expected, downloaded] = await Promise.allSettled([
      expectedSha256(tool, version, asset, { pin, userSha, base: downloadBaseUrl, workDir, retry }),
      downloadAsset(
        url,
        file,
        retry,
        `${tool} ${version} has no release asset for ${platformLabel(platform)}`
      )
    ])
    if (downloaded.status === 'rejected') throw downloaded.reason
    if (expected.status === 'rejected') throw expected.reason
    const actual = await sha256File(file)
    if (actual !== expected.value.sha256) {
      await rm(file, { force: true })
      throw new Error(
        `SHA-256 mismatch for ${asset} (${url}): expected ${expected.value.sha256} (${expected.value.source}), ` +
          `got ${actual}. The download was deleted and ${tool} ${version} was not installed. ` +
          (downloadBaseUrl === 'https://github.com'
            ? 'Do not retry blindly: a release asset that changed after publication is a compromise signal.'
            : `Check download-base-url (${downloadBaseUrl}): a mirror must serve the release's exact bytes.`)
      )
    }
    if (!pinned) {
      core.warning(
        `${tool} ${version} is not pinned by this action; it is verified only against ${expected.value.source}`
      )
    }
    const path = await cacheVerified(file, asset, { tool, version, cacheArch, exe, workDir })
    core.info(`${tool} ${version}: SHA-256 ${actual} verified, installed at ${path}`)
    return { tool, version, path, pinned, fromCache: false }
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
}

interface Expected {
  sha256: string
  /** Where the expected digest came from, for messages. */
  source: string
}

async function expectedSha256(
  tool: Tool,
  version: string,
  asset: string,
  from: { pin?: string; userSha?: string; base: string; workDir: string; retry: RetryPolicy }
): Promise<Expected> {
  if (from.pin) return { sha256: from.pin, source: 'the SHA-256 pinned in this action' }
  if (from.userSha) return { sha256: from.userSha, source: `the ${tool}-sha256 input` }
  const name = checksumsFileName(tool, version)
  const url = releaseFileUrl(from.base, tool, version, name)
  const file = join(from.workDir, name)
  await downloadAsset(
    url,
    file,
    from.retry,
    `${tool} ${version} has no checksums file; give ${tool}-sha256 to verify the download instead`
  )
  const sha256 = findChecksum(await readFile(file, 'utf8'), asset)
  if (!sha256) {
    throw new Error(
      `The checksums file ${url} does not list ${asset}: refusing to install an unverified ` +
        `${tool} ${version}. Give ${tool}-sha256 or use ${PINS[tool].version}`
    )
  }
  return { sha256, source: `the release's checksums file ${url}` }
}

/** The digest on the `<sha256>  <asset>` line (sha256sum format, `*` marks binary mode). */
export function findChecksum(checksums: string, asset: string): string | undefined {
  for (const line of checksums.split(/\r?\n/)) {
    const match = /^([0-9a-fA-F]{64})\s+\*?(\S+)\s*$/.exec(line.trim())
    if (match?.[2] === asset) return match[1]?.toLowerCase()
  }
  return undefined
}

async function cacheVerified(
  file: string,
  asset: string,
  target: { tool: Tool; version: string; cacheArch: string; exe: string; workDir: string }
): Promise<string> {
  const { tool, version, cacheArch, exe, workDir } = target
  const kind = assetKind(asset)
  if (kind === 'binary') {
    await chmod(file, 0o755)
    const dir = await tc.cacheFile(file, exe, tool, version, cacheArch)
    return join(dir, exe)
  }
  const extracted = join(workDir, 'extracted')
  if (kind === 'zip') await tc.extractZip(file, extracted)
  else await tc.extractTar(file, extracted)
  if (!existsSync(join(extracted, exe))) {
    throw new Error(`${asset} holds no ${exe}: it is not a ${tool} release archive`)
  }
  const dir = await tc.cacheDir(extracted, tool, version, cacheArch)
  return join(dir, exe)
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  await pipeline(createReadStream(file), hash)
  return hash.digest('hex')
}

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    url: string
  ) {
    super(`HTTP ${status} from ${url}`)
  }
}

const http = new HttpClient('imgsec-action', [], { allowRetries: false, socketTimeout: 60_000 })

/** Downloads `url` to `dest`, retrying transient failures; a 404 throws `notFound` plus the URL. */
async function downloadAsset(
  url: string,
  dest: string,
  retry: RetryPolicy,
  notFound: string
): Promise<void> {
  let delay = retry.backoffMs
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await http.get(url)
      const status = response.message.statusCode ?? 0
      if (status !== 200) {
        response.message.resume()
        throw new HttpStatusError(status, url)
      }
      await pipeline(response.message, createWriteStream(dest))
      return
    } catch (error) {
      await rm(dest, { force: true })
      if (error instanceof HttpStatusError && error.status === 404) {
        throw new Error(`${notFound} (404 from ${url})`, { cause: error })
      }
      const reason = error instanceof Error ? error.message : String(error)
      if (!isTransient(error) || attempt >= retry.attempts) {
        throw new Error(`Could not download ${url} (attempt ${attempt}): ${reason}`, {
          cause: error
        })
      }
      core.info(`Download of ${url} failed (${reason}); retrying in ${delay} ms`)
      await new Promise((resolve) => setTimeout(resolve, delay))
      delay *= 2
    }
  }
}

function isTransient(error: unknown): boolean {
  if (!(error instanceof HttpStatusError)) return true // connection refused / reset, premature close
  return error.status >= 500 || error.status === 408 || error.status === 429
}
