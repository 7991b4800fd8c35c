// The real trivy and cosign for the real-tools tier: found where scripts/build-real-tools.sh builds
// them, and packed as release assets the way the projects publish them (trivy: a tar.gz holding
// `trivy`; cosign: a bare binary), under a version of their own. They are built from the pinned
// source tags but are not the release bytes, so they are never served as the pinned version: the
// action verifies them against the `trivy-sha256` / `cosign-sha256` inputs the tests pass.
//
//   realToolPath(tool)      the built binary; throws with how to build it when it is missing
//   realToolsBuilt()        both built? (the demo picks real tools or stand-ins with it)
//   realRelease(tool)       the Release to serve from the mirror (the trivy archive is cached on disk)
//   REAL_VERSIONS           the versions the mirror serves them under
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync
} from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import {
  assetName,
  checksumsFileName,
  currentPlatform,
  type Tool
} from '../../../src/tools/releases.js'
import type { Release } from '../assets.js'

/** The versions the tools are built at (scripts/build-real-tools.sh). */
export const SOURCE_VERSIONS: Readonly<Record<Tool, string>> = { trivy: '0.74.0', cosign: '3.0.6' }

/**
 * What the mirror calls them: the source version with a pre-release tag of ours, so the action
 * treats them as unpinned (verified against `*-sha256`) and still reads cosign's major version.
 */
export const REAL_VERSIONS: Readonly<Record<Tool, string>> = {
  trivy: `${SOURCE_VERSIONS.trivy}-imgsec.1`,
  cosign: `${SOURCE_VERSIONS.cosign}-imgsec.1`
}

/** The cache root, as scripts/build-real-tools.sh computes it. */
export function realToolsRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env['IMGSEC_REAL_TOOLS']) return env['IMGSEC_REAL_TOOLS']
  const cache = env['XDG_CACHE_HOME'] || join(homedir(), '.cache')
  return join(cache, 'imgsec-action', 'real-tools')
}

let goVersion: string | undefined
function goVersionName(): string {
  if (goVersion) return goVersion
  try {
    goVersion = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim()
  } catch (error) {
    throw new Error(
      'the real-tools tier needs Go (1.26.x) to find the real trivy and cosign: install it, then ' +
        'run `bash scripts/build-real-tools.sh`',
      { cause: error }
    )
  }
  return goVersion
}

/** The folder of one built tool: `<root>/<tool>-<version>-<go version>`. */
export function realToolDir(tool: Tool): string {
  return join(realToolsRoot(), `${tool}-${SOURCE_VERSIONS[tool]}-${goVersionName()}`)
}

/** Whether both real tools are built (the demo and the benchmark use them then). */
export function realToolsBuilt(): boolean {
  try {
    return (['trivy', 'cosign'] as const).every((tool) =>
      existsSync(join(realToolDir(tool), 'bin', tool))
    )
  } catch {
    return false
  }
}

/** The real binary; never a stand-in. Throws (the test fails) when it has not been built. */
export function realToolPath(tool: Tool): string {
  const path = join(realToolDir(tool), 'bin', tool)
  if (!existsSync(path)) {
    throw new Error(
      `the real ${tool} ${SOURCE_VERSIONS[tool]} is not built (${path} is missing): run ` +
        '`bash scripts/build-real-tools.sh` (scripts/setup.sh runs it; a cold build takes about ' +
        '15 minutes). The real-tools tier never falls back to a stand-in.'
    )
  }
  return path
}

const FIXED_TIME = new Date('2026-01-01T00:00:00Z')

/**
 * The trivy archive, packed once per built binary and kept beside it (gzip of 170 MB takes
 * seconds): keyed by the binary's size and modification time, rebuilt when either changes.
 */
function packedTrivy(asset: string): string {
  const binary = realToolPath('trivy')
  const { size, mtimeMs } = statSync(binary)
  const dir = join(realToolDir('trivy'), `release-${REAL_VERSIONS.trivy}`)
  const archive = join(dir, asset)
  const stamp = join(dir, 'source.json')
  const key = JSON.stringify({ size, mtimeMs })
  if (existsSync(archive) && existsSync(stamp) && readFileSync(stamp, 'utf8') === key) {
    return archive
  }
  mkdirSync(dir, { recursive: true })
  const tree = mkdtempSync(join(dir, 'tree-'))
  try {
    execFileSync('cp', [binary, join(tree, 'trivy')])
    chmodSync(join(tree, 'trivy'), 0o755)
    writeFileSync(join(tree, 'README.md'), '# trivy, built from source for imgsec-action tests\n')
    writeFileSync(join(tree, 'LICENSE'), 'Apache License 2.0\n')
    for (const entry of ['trivy', 'README.md', 'LICENSE'])
      utimesSync(join(tree, entry), FIXED_TIME, FIXED_TIME)
    // Test files run in parallel: each packs under its own name, and the renames are atomic.
    const partial = `${archive}.${process.pid}.partial`
    execFileSync(
      'tar',
      [
        '-cf',
        partial,
        '--use-compress-program=gzip -n -1',
        '--owner=0',
        '--group=0',
        'trivy',
        'README.md',
        'LICENSE'
      ],
      { cwd: tree }
    )
    renameSync(partial, archive)
    writeFileSync(`${stamp}.${process.pid}`, key)
    renameSync(`${stamp}.${process.pid}`, stamp)
  } finally {
    rmSync(tree, { recursive: true, force: true })
  }
  return archive
}

const releases = new Map<Tool, Promise<Release>>()

/**
 * The release of the real tool for this machine's platform only (the others are not built):
 * its asset and a checksums file, as the mirror serves them.
 */
export function realRelease(tool: Tool): Promise<Release> {
  let release = releases.get(tool)
  if (!release) {
    release = buildRealRelease(tool)
    releases.set(tool, release)
  }
  return release
}

async function buildRealRelease(tool: Tool): Promise<Release> {
  const version = REAL_VERSIONS[tool]
  const asset = assetName(tool, version, currentPlatform()) as string
  const path = tool === 'trivy' ? packedTrivy(asset) : realToolPath('cosign')
  const bytes = readFileSync(path)
  const sha = createHash('sha256').update(bytes).digest('hex')
  const checksumsFile = checksumsFileName(tool, version)
  const files = new Map<string, Buffer>([
    [asset, bytes],
    [checksumsFile, Buffer.from(`${sha}  ${asset}\n`)]
  ])
  return { tool, version, files, assets: [asset], checksumsFile }
}

/** The SHA-256 of the asset the mirror serves for this platform: the `*-sha256` input. */
export async function realAssetSha256(tool: Tool): Promise<string> {
  const release = await realRelease(tool)
  const checksums = (release.files.get(release.checksumsFile) as Buffer).toString('utf8')
  return checksums.slice(0, 64)
}
