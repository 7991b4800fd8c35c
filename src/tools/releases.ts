// Release facts for trivy and cosign (see pins.md): pinned versions, the SHA-256 of every pinned
// asset, asset and checksums-file names per platform, download URLs, and the versions we refuse.
// Data plus tiny lookups; the download and verification logic lives in install.ts.
import * as semver from 'semver'

export type Tool = 'trivy' | 'cosign'
export const TOOLS: readonly Tool[] = ['trivy', 'cosign']

/** A platform in release-asset terms (GOOS/GOARCH), not Node's (`win32`/`x64`). */
export interface Platform {
  os: 'linux' | 'darwin' | 'windows'
  arch: 'amd64' | 'arm64'
}

export const PLATFORMS: readonly Platform[] = [
  { os: 'linux', arch: 'amd64' },
  { os: 'linux', arch: 'arm64' },
  { os: 'darwin', arch: 'amd64' },
  { os: 'darwin', arch: 'arm64' },
  { os: 'windows', arch: 'amd64' }
]

/** `linux/arm64`, as users write platforms. */
export function platformLabel(platform: Platform): string {
  return `${platform.os}/${platform.arch}`
}

/** The platform of this process (or of the given Node values, for tests). */
export function currentPlatform(
  nodePlatform: string = process.platform,
  nodeArch: string = process.arch
): Platform {
  const os = ({ linux: 'linux', darwin: 'darwin', win32: 'windows' } as const)[
    nodePlatform as 'linux' | 'darwin' | 'win32'
  ]
  const arch = ({ x64: 'amd64', arm64: 'arm64' } as const)[nodeArch as 'x64' | 'arm64']
  if (!os || !arch) {
    throw new Error(
      `trivy and cosign publish no release for ${nodePlatform}/${nodeArch}: run the action on a ` +
        'Linux, macOS or Windows runner with an x64 or arm64 CPU'
    )
  }
  return { os, arch }
}

interface Pin {
  version: string
  /** SHA-256 by asset name, as pins.md gives them. */
  sha256: Readonly<Record<string, string>>
}

export const PINS: Readonly<Record<Tool, Pin>> = {
  trivy: {
    version: '0.74.0',
    sha256: {
      'trivy_0.74.0_Linux-64bit.tar.gz':
        '2ae6fe3ee734b7fdf11335663e18c75ea12dccc76062f09f164a3b0f8be4371a',
      'trivy_0.74.0_Linux-ARM64.tar.gz':
        'b94ce1976bbf3c15b514b605ee88be7c6d94a29be2302847ff01cb794d47aad5',
      'trivy_0.74.0_macOS-64bit.tar.gz':
        '472816f6888dda689d075c30254d4210b4d1035acf365aa72332f584c2f60485',
      'trivy_0.74.0_macOS-ARM64.tar.gz':
        '1caada5e0e2091909357c7525d3aa76f4b660b13821bc143b190c7483e31cc11',
      'trivy_0.74.0_windows-64bit.zip':
        '94c40e0696e4b907a74b7b2e1438d5d72ebaca83115817407f568a002d520842'
    }
  },
  cosign: {
    version: '3.0.6',
    sha256: {
      'cosign-linux-amd64': 'c956e5dfcac53d52bcf058360d579472f0c1d2d9b69f55209e256fe7783f4c74',
      'cosign-linux-arm64': 'bedac92e8c3729864e13d4a17048007cfafa79d5deca993a43a90ffe018ef2b8',
      'cosign-darwin-amd64': '4c3e7af8372d3ca3296e62fa56f23fcbb5721cc6ac1827900d398f110d7cd280',
      'cosign-darwin-arm64': '5fadd012ae6381a6a29ff86a7d39aa873878852f1073fc90b15995961ecfb084',
      'cosign-windows-amd64.exe': '9b85a88ebff2d9dd30ff4984a6f61f2cedc232dd87d81fa7f2ff3c0ed96c241c'
    }
  }
}

/** The embedded SHA-256 of an asset, when `version` is the pinned one. */
export function pinnedSha256(tool: Tool, version: string, asset: string): string | undefined {
  return PINS[tool].version === version ? PINS[tool].sha256[asset] : undefined
}

/**
 * Versions never installed, with the reason. trivy 0.69.4 was a malicious build published during
 * the March 2026 compromise of trivy's release process; 0.69.5 and 0.69.6 came out of the same
 * process before it was cleaned up.
 */
export const REFUSED_VERSIONS: Readonly<Record<Tool, Readonly<Record<string, string>>>> = {
  trivy: {
    '0.69.4': 'a malicious build published during the March 2026 compromise (GHSA-69fq-xp46-6x23)',
    '0.69.5': 'suspect: published during the March 2026 compromise (GHSA-69fq-xp46-6x23)',
    '0.69.6': 'suspect: published during the March 2026 compromise (GHSA-69fq-xp46-6x23)'
  },
  cosign: {}
}

/**
 * Oldest supported versions: trivy 0.56.0 has `trivy convert` and `--list-all-pkgs` as the action
 * uses them; cosign 2.2.0 has the verify/attest flags the action passes.
 */
export const MINIMUM_VERSIONS: Readonly<Record<Tool, string>> = {
  trivy: '0.56.0',
  cosign: '2.2.0'
}

/** `v0.74.0` -> `0.74.0`: release tags carry a `v`, our versions do not. */
export function normalizeVersion(raw: string): string {
  return raw.trim().replace(/^v(?=\d)/, '')
}

/**
 * Why `version` (already normalised) cannot be installed, or undefined when it can. For the input
 * boundary: the message completes "Input 'trivy-version': …".
 */
export function versionProblem(tool: Tool, version: string): string | undefined {
  const pinned = PINS[tool].version
  if (version === 'latest') {
    return `'latest' is refused: name an exact version (the pinned one is ${pinned}) so the download can be verified`
  }
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version) || !semver.valid(version)) {
    return `'${version}' is not an exact ${tool} version such as ${pinned}`
  }
  const refused = REFUSED_VERSIONS[tool][version]
  if (refused) return `${tool} ${version} is never installed: ${refused}. Use ${pinned}`
  const minimum = MINIMUM_VERSIONS[tool]
  if (semver.lt(version, minimum)) {
    return `${tool} ${version} is older than ${minimum}, the oldest version this action supports`
  }
  return undefined
}

const TRIVY_PLATFORM_NAMES: Readonly<Record<string, string>> = {
  'linux/amd64': 'Linux-64bit.tar.gz',
  'linux/arm64': 'Linux-ARM64.tar.gz',
  'darwin/amd64': 'macOS-64bit.tar.gz',
  'darwin/arm64': 'macOS-ARM64.tar.gz',
  'windows/amd64': 'windows-64bit.zip'
}

/** The release asset for a platform, or undefined when the project publishes none (trivy on Windows arm64). */
export function assetName(tool: Tool, version: string, platform: Platform): string | undefined {
  if (tool === 'cosign') {
    return `cosign-${platform.os}-${platform.arch}${platform.os === 'windows' ? '.exe' : ''}`
  }
  const suffix = TRIVY_PLATFORM_NAMES[platformLabel(platform)]
  return suffix && `trivy_${version}_${suffix}`
}

/** How an asset is packed: trivy ships archives, cosign bare binaries. */
export function assetKind(asset: string): 'tar.gz' | 'zip' | 'binary' {
  if (asset.endsWith('.tar.gz')) return 'tar.gz'
  if (asset.endsWith('.zip')) return 'zip'
  return 'binary'
}

/** The executable's file name inside the archive / tool cache. */
export function executableName(tool: Tool, platform: Platform): string {
  return platform.os === 'windows' ? `${tool}.exe` : tool
}

export function checksumsFileName(tool: Tool, version: string): string {
  return tool === 'trivy' ? `trivy_${version}_checksums.txt` : 'cosign_checksums.txt'
}

const REPOSITORIES: Readonly<Record<Tool, string>> = {
  trivy: 'aquasecurity/trivy',
  cosign: 'sigstore/cosign'
}

/** `<base>/<owner>/<repo>/releases/download/v<version>/<file>`; `base` has no trailing slash. */
export function releaseFileUrl(base: string, tool: Tool, version: string, file: string): string {
  return `${base}/${REPOSITORIES[tool]}/releases/download/v${version}/${file}`
}

/** Who signs a project's release assets (pins.md): the certificate identity and its OIDC issuer. */
export interface ReleaseSigner {
  identity: string
  issuer: string
}

/**
 * The first version whose assets each come with a Sigstore bundle, `<asset>.sigstore.json`. An
 * unpinned version older than this can be verified only against a `*-sha256` input.
 */
export const SIGNED_SINCE: Readonly<Record<Tool, string>> = {
  trivy: '0.68.1',
  cosign: '3.0.2'
}

/** The signer of `tool`'s release at `version`: trivy signs from its release workflow at the tag. */
export function releaseSigner(tool: Tool, version: string): ReleaseSigner {
  if (tool === 'trivy') {
    return {
      identity: `https://github.com/aquasecurity/trivy/.github/workflows/reusable-release.yaml@refs/tags/v${version}`,
      issuer: 'https://token.actions.githubusercontent.com'
    }
  }
  return {
    identity: 'keyless@projectsigstore.iam.gserviceaccount.com',
    issuer: 'https://accounts.google.com'
  }
}

/** Whether `version` (exact, already valid) publishes Sigstore bundles for its assets. */
export function hasReleaseBundles(tool: Tool, version: string): boolean {
  return semver.gte(version, SIGNED_SINCE[tool])
}

/** The Sigstore bundle published beside an asset. */
export function bundleFileName(asset: string): string {
  return `${asset}.sigstore.json`
}

/**
 * Why an unpinned `version` given without a `*-sha256` input cannot be verified, or undefined when
 * it can (it has Sigstore bundles). For the input boundary: completes "Input '<tool>-sha256': …".
 */
export function unsignedVersionProblem(tool: Tool, version: string): string | undefined {
  if (version === PINS[tool].version || hasReleaseBundles(tool, version)) return undefined
  return (
    `is needed for ${tool} ${version}: releases before ${SIGNED_SINCE[tool]} have no Sigstore ` +
    `signature, so the download can only be checked against the SHA-256 you give (or use ${PINS[tool].version})`
  )
}
