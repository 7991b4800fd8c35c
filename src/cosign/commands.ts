// Sign and attest with cosign, always on the pinned `repo@sha256:…` (verify.ts verifies). Secrets
// reach cosign only through its environment (COSIGN_PASSWORD) and the private DOCKER_CONFIG the
// caller passes in `CosignTool.env`. A failed sign or attest is a tool failure (ToolError).
import { join } from 'node:path'
import {
  attestArgs,
  cosignMajor,
  publicKeyArgs,
  signArgs,
  signingConfigArgs,
  tlogMode,
  type TlogMode,
  type VerifyPolicy
} from './args.js'
import { ToolError } from '../errors.js'
import type { KeyInput } from '../types.js'
import { keyRef, keyRefEnvironment, publicKeyFingerprint, registerKeySecrets } from './keys.js'
import { assertIdTokenAvailable, sigstoreIdToken, workflowIdentity } from './oidc.js'
import type { AttestationType, SignerInfo, TlogEntry } from '../types.js'
import { storedRef } from './stored.js'
import { privateTempDir } from '../secure-fs/private-dir.js'
import { writePrivateFile } from '../secure-fs/private-file.js'
import { runTool, tail, type RunOptions } from '../tools/exec.js'

export interface CosignTool {
  /** Absolute path of the installed cosign. */
  path: string
  /** Its version (`3.0.6`): v2 and v3 switch the transparency log off differently. */
  version: string
  /** Environment for every call, e.g. DOCKER_CONFIG pointing at the private Docker config. */
  env?: Record<string, string>
  /** Variables of the job cosign may inherit for every call (DOCKER_CONFIG of a docker login). */
  inherit?: string[]
}

export interface SignerOptions {
  /** Absent for keyless signing with the workflow's OIDC identity. */
  key?: KeyInput
  password?: string
  tlogUpload: boolean
}

/** Everything `sign` and `attest` need, prepared once per run. */
export interface Signer {
  info: SignerInfo
  keyRef?: string
  /** Only for keyed signing; '' is a valid (empty) password. */
  password?: string
  tlog: TlogMode
  /** The verification policy that matches this signer: the default of `verify` in the same run. */
  policy: VerifyPolicy
  /** Keyless: a fresh `sigstore` OIDC token for each sign or attest (they are short-lived). */
  idToken?: () => Promise<string>
}

const PUBLIC_REKOR_SEARCH = 'https://search.sigstore.dev/?logIndex='

/**
 * What one cosign call may see (tools/exec.ts starts it from an allow-list): the tool's own settings,
 * the key's password and the variables its key reference needs (an `env://` variable, a KMS
 * provider's credentials) for the calls that use the key, and the OIDC token for keyless signing.
 */
export function callOptions(
  cosign: CosignTool,
  extra: { password?: string; keyRef?: string; idToken?: string } = {}
): RunOptions {
  const env: Record<string, string> = { ...cosign.env }
  if (extra.password !== undefined) env['COSIGN_PASSWORD'] = extra.password
  if (extra.idToken !== undefined) env['SIGSTORE_ID_TOKEN'] = extra.idToken
  return { env, inherit: [...(cosign.inherit ?? []), ...keyRefEnvironment(extra.keyRef)] }
}

/** Prepares signing: checks the OIDC token (keyless) or reads the key's public half (keyed). */
export async function prepareSigner(cosign: CosignTool, options: SignerOptions): Promise<Signer> {
  registerKeySecrets(options.key, options.password)
  // Before any cosign call: a job without id-token permission must fail with the fix, not a stack.
  if (!options.key) assertIdTokenAvailable()
  const tlog = await prepareTlog(cosign, options.tlogUpload, options.key !== undefined)
  if (!options.key) {
    const { identity, issuer } = await workflowIdentity()
    return {
      info: { kind: 'keyless', identity, issuer },
      tlog,
      policy: { kind: 'keyless', identity, issuer },
      idToken: sigstoreIdToken
    }
  }
  const key = keyRef(options.key, 'cosign.key')
  const password = options.password ?? ''
  const result = await runTool(cosign.path, publicKeyArgs(key.ref), {
    ...callOptions(cosign, { password, keyRef: key.ref }),
    silent: true
  })
  if (result.exitCode !== 0) {
    throw new ToolError(
      `cosign could not read the signing key (${key.source}); check cosign-key and cosign-password`,
      tail(result.stderr, 5)
    )
  }
  const publicKeyFile = writePrivateFile('cosign.pub', result.stdout)
  const info: SignerInfo = {
    kind: 'key',
    fingerprint: publicKeyFingerprint(result.stdout),
    keySource: key.source
  }
  return { info, keyRef: key.ref, password, tlog, policy: { kind: 'key', keyRef: publicKeyFile } }
}

async function prepareTlog(
  cosign: CosignTool,
  tlogUpload: boolean,
  keyed: boolean
): Promise<TlogMode> {
  if (tlogUpload || cosignMajor(cosign.version) < 3) return tlogMode(tlogUpload, cosign.version)
  // Keyed: nothing to fetch from Sigstore's TUF repository (tlog-upload: false is for air gaps).
  if (keyed) return tlogMode(false, cosign.version, false)
  const file = join(privateTempDir(), 'signing-config.json')
  const result = await runTool(cosign.path, signingConfigArgs(file), {
    ...callOptions(cosign),
    silent: true
  })
  if (result.exitCode !== 0) {
    throw new ToolError(
      'cosign could not create a signing config without the transparency log',
      tail(result.stderr)
    )
  }
  return tlogMode(false, cosign.version, file)
}

function tlogEntryFrom(output: string, tlog: TlogMode): TlogEntry | undefined {
  const match = /tlog entry created with index: (\d+)/.exec(output)
  if (!match?.[1]) return undefined
  const logIndex = Number(match[1])
  // Only the default signing config points at the public Rekor that search.sigstore.dev shows.
  return tlog.upload ? { logIndex, url: `${PUBLIC_REKOR_SEARCH}${logIndex}` } : { logIndex }
}

async function runSigning(
  cosign: CosignTool,
  signer: Signer,
  args: string[],
  what: string,
  image: CosignImage
): Promise<string> {
  const idToken = signer.idToken ? await signer.idToken() : undefined
  const result = await runTool(
    cosign.path,
    args,
    callOptions(cosign, { password: signer.password, keyRef: signer.keyRef, idToken })
  )
  if (result.exitCode !== 0) {
    throw new ToolError(`cosign ${what} failed for ${image.pinnedRef}`, tail(result.stderr))
  }
  return `${result.stdout}\n${result.stderr}`
}

/** One image digest to sign, attest or verify. */
export interface CosignImage {
  /** `registry/repository`. */
  name: string
  digest: string
  /** `name@digest`: what every cosign call names. */
  pinnedRef: string
}

/** What one sign or attest stored: where (stored.ts), and its transparency-log entry. */
export interface Stored {
  signatureRef: string
  tlogEntry?: TlogEntry
}

/** Signs one pinned digest; `signatureRef` is where the registry holds the signature. */
export async function signImage(
  cosign: CosignTool,
  signer: Signer,
  image: CosignImage,
  options: { annotations: Array<[string, string]> }
): Promise<Stored> {
  const args = signArgs({
    pinnedRef: image.pinnedRef,
    keyRef: signer.keyRef,
    tlog: signer.tlog,
    ...options
  })
  const output = await runSigning(cosign, signer, args, 'sign', image)
  return {
    signatureRef: await storedRef(cosign, image, 'sign'),
    tlogEntry: tlogEntryFrom(output, signer.tlog)
  }
}

/**
 * Attaches one attestation to one pinned digest: `vuln` (trivy's cosign-vuln predicate) or `sbom`
 * (a CycloneDX document), both converted from that digest's own scan report.
 */
export async function attestImage(
  cosign: CosignTool,
  signer: Signer,
  image: CosignImage,
  type: AttestationType,
  predicateFile: string
): Promise<Stored> {
  const args = attestArgs({
    pinnedRef: image.pinnedRef,
    keyRef: signer.keyRef,
    tlog: signer.tlog,
    predicateFile,
    type
  })
  const output = await runSigning(cosign, signer, args, `attest (${type})`, image)
  return {
    signatureRef: await storedRef(cosign, image, type),
    tlogEntry: tlogEntryFrom(output, signer.tlog)
  }
}
