// Sigstore verification of a release asset: the `<asset>.sigstore.json` bundle published beside it
// must be a valid signature over the asset's bytes, by the project's own release identity, under a
// trusted root. This is what makes an unpinned version trustworthy without a checksum from the user:
// a mirror or a compromised release page can rewrite a checksums file, not a Sigstore signature.
//
// The trusted root comes, in order: from the `sigstore-trusted-root` input (private Sigstore, or an
// air-gapped mirror); from Sigstore's TUF repository, when it answers within a bounded time; from the
// copy that @sigstore/tuf ships (signed by the same TUF root, only older), with a warning.
import * as core from '@actions/core'
import { bundleFromJSON, isBundleWithMessageSignature, type Bundle } from '@sigstore/bundle'
import { HashAlgorithm, TrustedRoot } from '@sigstore/protobuf-specs'
import seeds from '@sigstore/tuf/seeds.json' with { type: 'json' }
import { toSignedEntity, toTrustMaterial, Verifier, type TrustMaterial } from '@sigstore/verify'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ReleaseSigner } from './releases.js'

/** The public-good instance's TUF repository, the one @sigstore/tuf seeds. */
export const PUBLIC_TUF_MIRROR = 'https://tuf-repo-cdn.sigstore.dev'
/** How long the TUF refresh may take before the shipped root is used instead (offline runners). */
export const TUF_TIMEOUT_MS = 10_000

export interface TrustSource {
  /** A `trusted_root.json` given by the user: used as it is, no TUF at all. */
  trustedRootPath?: string
  /** Tests point this at loopback; everyone else gets the public-good repository. */
  tufMirrorUrl?: string
  tufTimeoutMs?: number
}

export interface Trust {
  material: TrustMaterial
  /** Where the root came from, for messages. */
  origin: string
}

/** The trusted root to verify bundles against (see the file comment for the order). */
export async function loadTrust(source: TrustSource): Promise<Trust> {
  if (source.trustedRootPath) {
    const root = await readTrustedRoot(source.trustedRootPath)
    return { material: toTrustMaterial(root), origin: `the trusted root ${source.trustedRootPath}` }
  }
  const mirrorURL = source.tufMirrorUrl ?? PUBLIC_TUF_MIRROR
  core.info(`Fetching Sigstore's trusted root from its TUF repository ${mirrorURL}`)
  try {
    const root = await withTimeout(
      fetchTrustedRoot(mirrorURL, source.tufTimeoutMs ?? TUF_TIMEOUT_MS),
      source.tufTimeoutMs ?? TUF_TIMEOUT_MS
    )
    return { material: toTrustMaterial(root), origin: `Sigstore's TUF repository ${mirrorURL}` }
  } catch (error) {
    core.warning(
      `Could not refresh Sigstore's trusted root from ${mirrorURL} (${messageOf(error)}); using the ` +
        'one shipped with this action. Give sigstore-trusted-root to use another.'
    )
    return { material: toTrustMaterial(shippedTrustedRoot()), origin: 'the shipped trusted root' }
  }
}

export async function readTrustedRoot(path: string): Promise<TrustedRoot> {
  return parseTrustedRoot(await readFile(path, 'utf8'), path)
}

/** A Sigstore `trusted_root.json`, or an error that says why the text is not one. */
export function parseTrustedRoot(text: string, where: string): TrustedRoot {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new Error(`${where} is not JSON: ${messageOf(error)}`, { cause: error })
  }
  const mediaType = (json as { mediaType?: unknown } | null)?.mediaType
  if (
    typeof mediaType !== 'string' ||
    !mediaType.startsWith('application/vnd.dev.sigstore.trustedroot')
  ) {
    throw new Error(`${where} is not a Sigstore trusted root (no trustedroot mediaType)`)
  }
  const root = TrustedRoot.fromJSON(json)
  if (root.certificateAuthorities.length === 0 || root.tlogs.length === 0) {
    throw new Error(`${where} names no certificate authority or no transparency log`)
  }
  return root
}

async function fetchTrustedRoot(mirrorURL: string, timeoutMs: number): Promise<TrustedRoot> {
  // A private cache per run: nothing is read from or written to a folder another job controls.
  const cachePath = await mkdtemp(join(process.env['RUNNER_TEMP'] || tmpdir(), 'imgsec-tuf-'))
  // Loaded only here: the TUF client and its HTTP stack are large, and a given root needs neither.
  const { getTrustedRoot } = await import('@sigstore/tuf')
  return getTrustedRoot({
    mirrorURL,
    cachePath,
    retry: false,
    timeout: timeoutMs,
    // Seeded from the root.json the library ships, also for a test mirror on loopback.
    rootPath: mirrorURL === PUBLIC_TUF_MIRROR ? undefined : await shippedTufRootFile(cachePath)
  })
}

interface Seed {
  'root.json': string
  targets: Record<string, string>
}

function publicSeed(): Seed {
  const seed = (seeds as Record<string, Seed>)[PUBLIC_TUF_MIRROR]
  if (!seed) throw new Error('@sigstore/tuf ships no seed for the public-good instance')
  return seed
}

/** The trusted root @sigstore/tuf ships for the public-good instance. */
export function shippedTrustedRoot(): TrustedRoot {
  const target = publicSeed().targets['trusted_root.json']
  if (!target) throw new Error('@sigstore/tuf ships no trusted_root.json')
  return parseTrustedRoot(
    Buffer.from(target, 'base64').toString('utf8'),
    'the shipped trusted root'
  )
}

/** The shipped TUF root.json as a file, for a mirror @sigstore/tuf has no seed for (tests). */
async function shippedTufRootFile(cachePath: string): Promise<string> {
  const path = join(cachePath, 'seed-root.json')
  await writeFile(path, Buffer.from(publicSeed()['root.json'], 'base64'))
  return path
}

/**
 * Verifies `bundleText` as a signature over `artifact` by `signer`, and returns the SHA-256 (hex)
 * the bundle signs. Throws with the reason when the bundle is malformed, signed by someone else,
 * not logged, or not over these bytes.
 */
export function verifyBundle(
  bundleText: string,
  artifact: Buffer,
  signer: ReleaseSigner,
  trust: Trust
): string {
  let bundle: Bundle
  try {
    bundle = bundleFromJSON(JSON.parse(bundleText))
  } catch (error) {
    throw new Error(`it is not a Sigstore bundle (${messageOf(error)})`, { cause: error })
  }
  // trivy and cosign sign the asset itself (cosign sign-blob), not an attestation about it.
  if (!isBundleWithMessageSignature(bundle)) {
    throw new Error('it holds no message signature over the asset')
  }
  const verifier = new Verifier(trust.material)
  try {
    // The library matches a string identity as an unanchored regular expression ("x" would match
    // any identity containing an x): give it an anchored, escaped one, and compare again below.
    const signed = verifier.verify(toSignedEntity(bundle, artifact), {
      subjectAlternativeName: new RegExp(`^${escapeRegExp(signer.identity)}$`),
      extensions: { issuer: signer.issuer }
    })
    if (signed.identity?.subjectAlternativeName !== signer.identity) {
      throw new Error(
        `signed by ${signed.identity?.subjectAlternativeName ?? 'an unknown identity'}`
      )
    }
  } catch (error) {
    throw new Error(
      `${messageOf(error)} (expected a signature by ${signer.identity}, issuer ${signer.issuer}, ` +
        `under ${trust.origin})`,
      { cause: error }
    )
  }
  const { messageDigest } = bundle.content.messageSignature
  if (messageDigest.algorithm !== HashAlgorithm.SHA2_256) {
    throw new Error('its message digest is not a SHA-256')
  }
  return Buffer.from(messageDigest.digest).toString('hex')
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
