// Verified install of trivy and cosign. Whatever runs is checked, in this job, against a digest that
// does not come from the tool cache: the SHA-256 pinned in this action, the user's `*-sha256` input,
// or the release's Sigstore signature. The tool cache (shared between jobs on self-hosted runners)
// only saves the download: it holds the verified release asset, which each job copies into a
// private folder, verifies again, and unpacks there; the tool runs from that folder. The steps:
//   1. planInstall       asset name and the trust anchor, or an input error before any download
//   2. takeFromToolCache copy of the cached asset (and its bundle), hashed while copied
//   3. verifyAsset       against the anchor; a cached copy that fails is reported and re-downloaded
//   4. downloadRelease   the asset, and for a signature anchor its bundle and checksums file
//   5. storeInToolCache  only a verified asset, for the next job
//   6. unpack            into the private folder
import * as core from '@actions/core'
import * as tc from '@actions/tool-cache'
import { existsSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ToolVersionInput } from '../types.js'
import { DEFAULT_RETRY, downloadFile, type RetryPolicy } from './download.js'
import { copyHashed, sha256File } from './hash.js'
import { planInstall, type Candidate, type Plan } from './install-plan.js'
import {
  assetKind,
  bundleFileName,
  checksumsFileName,
  currentPlatform,
  releaseFileUrl,
  type Platform,
  type Tool
} from './releases.js'
// sigstore.ts (and the Sigstore libraries behind it) is loaded only when a bundle is verified.
import type { Trust, TrustSource } from './sigstore.js'
import { listedDigest, verifyAsset } from './verify-asset.js'

export { DEFAULT_RETRY, type RetryPolicy }

export interface InstalledTool {
  tool: Tool
  version: string
  /** Absolute path of the executable, in this job's private folder. */
  path: string
  /** The version is the one this action pins (verified against the embedded SHA-256). */
  pinned: boolean
  /** The asset came from the tool cache (verified again): nothing was downloaded. */
  fromCache: boolean
}

export interface InstallOptions {
  /** Defaults to this process's platform; tests inject others. */
  platform?: Platform
  retry?: RetryPolicy
  /** Where the Sigstore trusted root comes from; loaded only when a bundle must be verified. */
  trust?: TrustSource
}

/** Installs the tools the chosen steps need, both downloads at the same time. */
export async function installTools(
  needs: { trivy?: ToolVersionInput; cosign?: ToolVersionInput },
  downloadBaseUrl: string,
  options: InstallOptions = {}
): Promise<{ trivy?: InstalledTool; cosign?: InstalledTool }> {
  const trust = onceTrust(options.trust ?? {})
  // allSettled, not all: a failure of one must not leave the other writing to the tool cache
  // while the action is already reporting the error and exiting.
  const [trivy, cosign] = await Promise.allSettled([
    needs.trivy && installWith('trivy', needs.trivy, downloadBaseUrl, options, trust),
    needs.cosign && installWith('cosign', needs.cosign, downloadBaseUrl, options, trust)
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
export function installTool(
  tool: Tool,
  request: ToolVersionInput,
  downloadBaseUrl: string,
  options: InstallOptions = {}
): Promise<InstalledTool> {
  return installWith(tool, request, downloadBaseUrl, options, onceTrust(options.trust ?? {}))
}

async function installWith(
  tool: Tool,
  request: ToolVersionInput,
  base: string,
  options: InstallOptions,
  trust: () => Promise<Trust>
): Promise<InstalledTool> {
  const plan = planInstall(tool, request, options.platform ?? currentPlatform())
  const workDir = await privateFolder(tool)
  try {
    const cached = await takeFromToolCache(plan, workDir)
    const fromCache = cached !== undefined && (await reverified(plan, cached, trust))
    const asset = fromCache ? cached : await downloadVerified(plan, base, workDir, options, trust)
    const path = await unpack(plan, asset.file, workDir)
    core.info(`${tool} ${plan.version}: ready at ${path}`)
    return { tool, version: plan.version, path, pinned: plan.pinned, fromCache }
  } catch (error) {
    await rm(workDir, { recursive: true, force: true })
    throw error
  }
}

/** Steps 4, 3 and 5 on a cache miss: download, verify, and only then fill the tool cache. */
async function downloadVerified(
  plan: Plan,
  base: string,
  workDir: string,
  options: InstallOptions,
  trust: () => Promise<Trust>
): Promise<Candidate> {
  const { tool, version } = plan
  const asset = await downloadRelease(plan, base, workDir, options.retry ?? DEFAULT_RETRY)
  const url = releaseFileUrl(base, tool, version, plan.asset)
  const source = await verifyAsset(plan, asset, trust, url)
  if (!plan.pinned) {
    core.warning(
      `${tool} ${version} is not pinned by this action; it is verified only against ${source}`
    )
  }
  await storeInToolCache(plan, workDir)
  core.info(`${tool} ${version}: SHA-256 ${asset.sha256} verified against ${source}`)
  return asset
}

/** A folder of this job only (0700, under RUNNER_TEMP, which the runner empties after the job). */
async function privateFolder(tool: Tool): Promise<string> {
  const base = process.env['RUNNER_TEMP'] || tmpdir()
  await mkdir(base, { recursive: true })
  return mkdtemp(join(base, `imgsec-${tool}-`))
}

/** Step 2: the cached asset copied into the private folder, so that what is checked is what runs. */
async function takeFromToolCache(plan: Plan, workDir: string): Promise<Candidate | undefined> {
  const dir = tc.find(plan.tool, plan.version, plan.cacheArch)
  // Entries written before the cache held assets (an unpacked tool) are not trusted: re-download.
  if (!dir || !existsSync(join(dir, plan.asset))) return undefined
  const release = join(workDir, 'release')
  await mkdir(release)
  const file = join(release, plan.asset)
  const sha256 = await copyHashed(join(dir, plan.asset), file)
  const bundlePath = join(dir, bundleFileName(plan.asset))
  const bundle = existsSync(bundlePath) ? await readFile(bundlePath, 'utf8') : undefined
  return { file, sha256, bundle }
}

/** Step 3 on a cache hit: true when the copy passes; a copy that fails is reported and dropped. */
async function reverified(
  plan: Plan,
  asset: Candidate,
  trust: () => Promise<Trust>
): Promise<boolean> {
  try {
    const source = await verifyAsset(plan, asset, trust, 'the tool cache')
    core.info(`${plan.tool} ${plan.version}: the tool cache's copy matches ${source}`)
    return true
  } catch (error) {
    core.warning(
      `${plan.tool} ${plan.version} in the tool cache failed verification (${(error as Error).message}); ` +
        'it was not used and is installed again from the release'
    )
    await rm(join(asset.file, '..'), { recursive: true, force: true })
    return false
  }
}

/** Step 4: the asset, and for a signature anchor its bundle and the checksums file, side by side. */
async function downloadRelease(
  plan: Plan,
  base: string,
  workDir: string,
  retry: RetryPolicy
): Promise<Candidate> {
  const { tool, version, asset } = plan
  const release = join(workDir, 'release')
  await mkdir(release, { recursive: true })
  const file = join(release, asset)
  const url = releaseFileUrl(base, tool, version, asset)
  core.info(`${tool} ${version}: downloading ${url}`)
  const fetch = (name: string, dir: string, notFound: string): Promise<string> =>
    downloadFile(releaseFileUrl(base, tool, version, name), join(dir, name), retry, notFound).then(
      () => join(dir, name)
    )
  const signed = plan.anchor.kind === 'signature'
  const giveSha = `give ${tool}-sha256 to verify the download instead`
  // All settle before we go on, so no download is still writing when the folder is removed. The
  // asset's failure comes first: a 404 there says more than one for the checksums file.
  const [downloaded, bundle, checksums] = await Promise.allSettled([
    fetch(asset, release, `${tool} ${version} has no release asset for ${plan.platform}`),
    signed
      ? fetch(
          bundleFileName(asset),
          release,
          `${tool} ${version} publishes no Sigstore bundle for ${asset}; ${giveSha}`
        )
      : undefined,
    signed
      ? fetch(
          checksumsFileName(tool, version),
          workDir,
          `${tool} ${version} has no checksums file; ${giveSha}`
        )
      : undefined
  ])
  for (const result of [downloaded, bundle, checksums])
    if (result.status === 'rejected') throw result.reason
  const candidate: Candidate = {
    file,
    sha256: await sha256File(file)
  }
  if (signed) {
    candidate.bundle = await readFile(join(release, bundleFileName(asset)), 'utf8')
    const checksumsUrl = releaseFileUrl(base, tool, version, checksumsFileName(tool, version))
    candidate.listed = {
      sha256: await listedDigest(
        plan,
        join(workDir, checksumsFileName(tool, version)),
        checksumsUrl
      ),
      url: checksumsUrl
    }
  }
  return candidate
}

/** Step 5: the verified asset (and bundle) into the tool cache; nothing unverified ever gets there. */
async function storeInToolCache(plan: Plan, workDir: string): Promise<void> {
  await tc.cacheDir(join(workDir, 'release'), plan.tool, plan.version, plan.cacheArch)
}

/** Step 6: the executable out of the verified asset, into the private folder. */
async function unpack(plan: Plan, file: string, workDir: string): Promise<string> {
  const { tool, asset, exe } = plan
  const target = join(workDir, 'tool')
  const kind = assetKind(asset)
  if (kind === 'binary') {
    await mkdir(target)
    await rename(file, join(target, exe))
    await chmod(join(target, exe), 0o755)
  } else if (kind === 'zip') await tc.extractZip(file, target)
  else await tc.extractTar(file, target)
  await rm(join(workDir, 'release'), { recursive: true, force: true })
  if (!existsSync(join(target, exe))) {
    throw new Error(`${asset} holds no ${exe}: it is not a ${tool} release archive`)
  }
  return join(target, exe)
}

/** Loads the trusted root at most once per run, and only when a bundle is to be verified. */
function onceTrust(source: TrustSource): () => Promise<Trust> {
  let loading: Promise<Trust> | undefined
  return () => (loading ??= import('./sigstore.js').then(({ loadTrust }) => loadTrust(source)))
}
