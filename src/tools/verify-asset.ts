// Step 3 of installing a tool (install.ts): a release asset against its anchor. A digest anchor is
// compared; a signature anchor needs a valid Sigstore bundle by the project's release identity over
// these bytes and, for a download, the release's checksums file must list the same digest.
import { readFile } from 'node:fs/promises'
import { findChecksum } from './checksums.js'
import type { Candidate, Plan } from './install-plan.js'
import { bundleFileName, PINS } from './releases.js'
import type { Trust } from './sigstore.js'

/**
 * Step 3: the asset matches the anchor, or this throws saying which digest was expected from
 * where. Returns the anchor's description, for messages.
 */
export async function verifyAsset(
  plan: Plan,
  asset: Candidate,
  trust: () => Promise<Trust>,
  from: string
): Promise<string> {
  const { anchor } = plan
  if (anchor.kind === 'digest') {
    if (asset.sha256 !== anchor.sha256)
      throw mismatch(plan, from, anchor.sha256, anchor.source, asset.sha256)
    return anchor.source
  }
  // A download is also held against its checksums file, so both must agree with the bytes.
  if (asset.listed && asset.listed.sha256 !== asset.sha256) {
    const source = `the release's checksums file ${asset.listed.url}`
    throw mismatch(plan, from, asset.listed.sha256, source, asset.sha256)
  }
  const bundleName = bundleFileName(plan.asset)
  if (asset.bundle === undefined) throw new Error(`${bundleName} is missing`)
  const loaded = await trust()
  const { verifyBundle } = await import('./sigstore.js')
  let signed: string
  try {
    signed = verifyBundle(asset.bundle, await readFile(asset.file), anchor.signer, loaded)
  } catch (error) {
    throw new Error(
      `The Sigstore bundle ${bundleName} does not verify ${plan.asset} from ${from}: ${(error as Error).message}. ` +
        `${plan.tool} ${plan.version} was not installed.`,
      { cause: error }
    )
  }
  if (signed !== asset.sha256) {
    throw mismatch(plan, from, signed, `the Sigstore bundle ${bundleName}`, asset.sha256)
  }
  return (
    `the Sigstore signature of ${anchor.signer.identity} (${loaded.origin})` +
    (asset.listed ? ` and the release's checksums file` : '')
  )
}

/** `from` is the asset's URL, or `the tool cache`: the advice differs. */
function mismatch(
  plan: Plan,
  from: string,
  expected: string,
  source: string,
  actual: string
): Error {
  const advice = /^https:\/\/github\.com\//.test(from)
    ? 'Do not retry blindly: a release asset that changed after publication is a compromise signal.'
    : from.includes('://')
      ? `Check download-base-url (${new URL(from).origin}): a mirror must serve the release's exact bytes.`
      : 'Something changed the tool cache after the asset was verified.'
  return new Error(
    `SHA-256 mismatch for ${plan.asset} (${from}): expected ${expected} (${source}), got ${actual}. ` +
      `${plan.tool} ${plan.version} was not installed. ${advice}`
  )
}

/** The digest a downloaded checksums file lists for the plan's asset; refuses none and ambiguity. */
export async function listedDigest(plan: Plan, file: string, url: string): Promise<string> {
  const { tool, version, asset } = plan
  let sha256: string | undefined
  try {
    sha256 = findChecksum(await readFile(file, 'utf8'), asset)
  } catch (error) {
    throw new Error(
      `The checksums file ${url}: ${(error as Error).message}. ${tool} ${version} was not installed.`,
      { cause: error }
    )
  }
  if (!sha256) {
    throw new Error(
      `The checksums file ${url} does not list ${asset}: refusing to install an unverified ` +
        `${tool} ${version}. Give ${tool}-sha256 or use ${PINS[tool].version}`
    )
  }
  return sha256
}
