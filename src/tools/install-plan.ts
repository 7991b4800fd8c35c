// Step 1 of installing a tool (install.ts): which release asset this platform needs, and what it
// must match: the SHA-256 pinned in this action, the user's `*-sha256` input, or the release's
// Sigstore signature. A version that has none of these is refused before any download.
import { InputError } from '../errors.js'
import type { ToolVersionInput } from '../types.js'
import {
  assetName,
  executableName,
  hasReleaseBundles,
  PINS,
  pinnedSha256,
  platformLabel,
  releaseSigner,
  unsignedVersionProblem,
  type Platform,
  type ReleaseSigner,
  type Tool
} from './releases.js'

/** What a release asset is checked against. */
export type Anchor =
  { kind: 'digest'; sha256: string; source: string } | { kind: 'signature'; signer: ReleaseSigner }

export interface Plan {
  tool: Tool
  version: string
  asset: string
  exe: string
  cacheArch: string
  /** `linux/amd64`, for messages. */
  platform: string
  pinned: boolean
  anchor: Anchor
}

/** A release asset in the private folder, with its SHA-256 and, for a signature anchor, its bundle. */
export interface Candidate {
  file: string
  sha256: string
  bundle?: string
  /** A download's entry in the release's checksums file. */
  listed?: { sha256: string; url: string }
}

/** Step 1: the asset for this platform and what it must match. Refusals here download nothing. */
export function planInstall(tool: Tool, request: ToolVersionInput, platform: Platform): Plan {
  const { version } = request
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
  let anchor: Anchor
  if (pin) anchor = { kind: 'digest', sha256: pin, source: 'the SHA-256 pinned in this action' }
  else if (userSha) anchor = { kind: 'digest', sha256: userSha, source: `the ${tool}-sha256 input` }
  else if (hasReleaseBundles(tool, version))
    anchor = { kind: 'signature', signer: releaseSigner(tool, version) }
  else throw new InputError(`${tool}-sha256`, unsignedVersionProblem(tool, version) as string)
  const pinned = version === PINS[tool].version
  const cacheArch = platform.arch === 'amd64' ? 'x64' : 'arm64'
  const exe = executableName(tool, platform)
  return { tool, version, asset, exe, cacheArch, platform: platformLabel(platform), pinned, anchor }
}
