// The sign, attest and verify steps: cosign on pinned digests only, one call per digest. Registry
// credentials (when given as inputs) reach it through a private Docker config rather than any
// command line, nothing is signed or attested unless the gate passed (signingBlocker), only what
// was scanned is signed (signingTargets), and verify defaults to what this run signed.
import type { CosignImage, CosignTool, Signer } from '../cosign/commands.js'
import { attestImage, prepareSigner, signImage } from '../cosign/commands.js'
import { verifyImage, verifySpec, type VerifySpec } from '../cosign/verify.js'
import type { Inputs } from '../inputs/inputs.js'
import type {
  AttestationType,
  ImageTarget,
  ImageVerification,
  ResolvedImage,
  SignedImage
} from '../types.js'
import { writeDockerConfig } from '../registry/credentials.js'
import {
  signingBlocker,
  signingTargets,
  type PlatformScan,
  type RunState,
  type ScanPlan
} from './run-state.js'
import { vulnPredicate } from './scan-phase.js'
import { privateTempDir } from '../secure-fs/private-dir.js'
import type { InstalledTool } from '../tools/install.js'

/**
 * cosign with the registry credentials of the inputs in a private Docker config (for the image's
 * registry only); without them, the Docker config of a docker login (DOCKER_CONFIG or ~/.docker),
 * which may name a credential helper cosign calls for pushing signatures.
 */
function cosignTool(inputs: Inputs, cosign: InstalledTool, image: ResolvedImage): CosignTool {
  const credentials = inputs.registryCredentials
  const tool = { path: cosign.path, version: cosign.version }
  if (!credentials) return { ...tool, inherit: ['DOCKER_CONFIG'] }
  const dockerConfig = writeDockerConfig(privateTempDir(), image.ref.registry, credentials)
  return { ...tool, env: { DOCKER_CONFIG: dockerConfig } }
}

function cosignImage(image: ResolvedImage, target: ImageTarget): CosignImage {
  return { name: image.name, digest: target.digest ?? image.digest, pinnedRef: target.ref }
}

/** Signs and attests only what was scanned and passed the gate; returns the signer for verify. */
export async function signAndAttest(state: RunState): Promise<Signer | undefined> {
  const { inputs, steps, image, scans, plan } = state
  const { cosign, trivy } = state.tools
  const wanted = (['sign', 'attest'] as const).filter((step) => steps.isSelected(step))
  if (!cosign || !image || !plan || wanted.length === 0) return
  const cleared = wanted.filter((step) => {
    const blocker = signingBlocker(state, step)
    if (blocker) steps.skip(step, blocker)
    return !blocker
  })
  if (cleared.length === 0 || !scans) return undefined
  const tool = cosignTool(inputs, cosign, image)
  // Keyless: fails here, before cosign starts, when the job has no OIDC token.
  const signer = await prepareSigner(tool, {
    key: inputs.cosignKey,
    password: inputs.cosignPassword,
    tlogUpload: inputs.tlogUpload
  })
  if (cleared.includes('sign')) {
    const targets = signingTargets(
      plan,
      scans.map((scan) => scan.target),
      inputs.recursive
    )
    state.sign = await steps.run('sign', async () => {
      const images: SignedImage[] = []
      for (const target of targets) {
        const stored = await signImage(tool, signer, cosignImage(image, target), {
          annotations: inputs.annotations
        })
        images.push({ target, ...stored })
      }
      return { signer: signer.info, images }
    })
  }
  if (cleared.includes('attest') && trivy) {
    state.attest = await steps.run('attest', async () => {
      const images: SignedImage[] = []
      for (const scan of scans) {
        for (const type of inputs.attestations) {
          const predicate = await predicateFile(trivy, scan, type, scans.length > 1)
          const target = cosignImage(image, scan.target)
          const stored = await attestImage(tool, signer, target, type, predicate)
          images.push({ target: scan.target, type, ...stored })
        }
      }
      return { signer: signer.info, images }
    })
  }
  return signer
}

/** Each attestation is made from that platform image's own report: no second scan. */
async function predicateFile(
  trivy: InstalledTool,
  scan: PlatformScan,
  type: AttestationType,
  many: boolean
): Promise<string> {
  if (type === 'vuln') return vulnPredicate(trivy, scan, many)
  if (!scan.sbomFile) throw new Error(`no SBOM was written for ${scan.target.ref}`)
  return scan.sbomFile
}

/**
 * What verify checks: the signature on each digest this run signed (without a sign step: the
 * digests a sign with the same inputs would sign), and each attestation this run made on each
 * scanned platform image.
 */
function verifyTargets(state: RunState, plan: ScanPlan) {
  const signed = state.sign
    ? state.sign.images.map((image) => image.target)
    : signingTargets(plan, plan.targets, state.inputs.recursive)
  const attestations: AttestationType[] = state.inputs.steps.has('attest')
    ? state.inputs.attestations
    : []
  const attested = attestations.length > 0 ? plan.targets : []
  const all = [...signed, ...attested.filter((target) => !signed.includes(target))]
  return all.map((target) => ({
    target,
    signature: signed.includes(target),
    attestations: attested.includes(target) ? attestations : []
  }))
}

export async function verifyImageSignature(
  state: RunState,
  signer: Signer | undefined
): Promise<void> {
  const { inputs, steps, image, plan } = state
  const cosign = state.tools.cosign
  if (!cosign || !image || !plan || !steps.isSelected('verify')) return
  if (steps.isSelected('sign') && !state.sign) {
    // verify checks what this run signed; with nothing signed there is nothing of ours to check.
    steps.skip('verify', `nothing was signed: ${signingBlocker(state, 'sign') ?? 'sign failed'}`)
    return
  }
  const spec: VerifySpec = verifySpec(
    {
      publicKey: inputs.cosignPublicKey,
      certificateIdentity: inputs.certificateIdentity,
      certificateIdentityRegexp: inputs.certificateIdentityRegexp,
      certificateOidcIssuer: inputs.certificateOidcIssuer,
      tlogUpload: inputs.tlogUpload
    },
    signer
  )
  const tool = cosignTool(inputs, cosign, image)
  state.verify = await steps.run(
    'verify',
    async () => {
      const images: ImageVerification[] = []
      // Keyless: the identity cosign saw in the certificate, rather than the pattern asked for.
      let signerSeen = spec.signer
      for (const { target, signature, attestations } of verifyTargets(state, plan)) {
        const result = await verifyImage(tool, cosignImage(image, target), spec, {
          tlogUpload: inputs.tlogUpload,
          signature,
          attestations
        })
        const { signer: digestSigner, ...verification } = result
        if (result.verified) signerSeen = digestSigner
        images.push({ target, ...verification })
      }
      const verified = images.length > 0 && images.every((image) => image.verified)
      return { verified, signer: signerSeen, images }
    },
    (result) => (result.verified ? 'passed' : 'failed')
  )
}
