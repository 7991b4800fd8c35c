// The sign, attest and verify steps: cosign on the resolved digest only. Registry credentials
// (when given as inputs) reach it through a private Docker config rather than any command line,
// nothing is signed or attested unless the gate passed (signingBlocker), and verify defaults to
// what this run signed.
import type { CosignTool, Signer } from '../cosign/commands.js'
import { attestImage, prepareSigner, signImage } from '../cosign/commands.js'
import { verifyImage, verifySpec } from '../cosign/verify.js'
import type { Inputs } from '../inputs/inputs.js'
import type { ResolvedImage } from '../types.js'
import { writeDockerConfig } from '../registry/credentials.js'
import { INDEX_NOT_SCANNED, signingBlocker, type RunState } from './run-state.js'
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

/** Signs and attests only what passed the gate; returns the signer for verify's defaults. */
export async function signAndAttest(state: RunState): Promise<Signer | undefined> {
  const { inputs, steps, image, scan } = state
  const { cosign, trivy } = state.tools
  const wanted = (['sign', 'attest'] as const).filter((step) => steps.isSelected(step))
  if (!cosign || !image || wanted.length === 0) return
  const cleared = wanted.filter((step) => {
    const blocker = signingBlocker(state, step)
    if (blocker) steps.skip(step, blocker)
    return !blocker
  })
  if (wanted.some((step) => signingBlocker(state, step) === INDEX_NOT_SCANNED)) {
    // The user asked for a signature and gets none: that fails the step, it is not a quiet skip.
    throw new Error(
      `${image.pinnedRef} is a multi-platform index and this run scanned one of its platforms: ` +
        'imgsec-action never signs or attests an index, nor its platform images, on one ' +
        'platform’s scan. Sign each platform image by its own digest (image: repo@sha256:…, ' +
        'one matrix job per platform), or leave sign and attest out for this image.'
    )
  }
  if (cleared.length === 0) return undefined
  const tool = cosignTool(inputs, cosign, image)
  // Keyless: fails here, before cosign starts, when the job has no OIDC token.
  const signer = await prepareSigner(tool, {
    key: inputs.cosignKey,
    password: inputs.cosignPassword,
    tlogUpload: inputs.tlogUpload
  })
  if (cleared.includes('sign')) {
    const options = { annotations: inputs.annotations, recursive: inputs.recursive }
    state.sign = await steps.run('sign', () => signImage(tool, signer, image, options))
  }
  if (cleared.includes('attest') && trivy && scan) {
    state.attest = await steps.run('attest', async () =>
      attestImage(tool, signer, image, await vulnPredicate(trivy, scan.reportFile))
    )
  }
  return signer
}

export async function verifyImageSignature(
  state: RunState,
  signer: Signer | undefined
): Promise<void> {
  const { inputs, steps, image } = state
  const cosign = state.tools.cosign
  if (!cosign || !image || !steps.isSelected('verify')) return
  if (steps.isSelected('sign') && !state.sign) {
    // verify checks what this run signed; with nothing signed there is nothing of ours to check.
    steps.skip('verify', `nothing was signed: ${signingBlocker(state, 'sign') ?? 'sign failed'}`)
    return
  }
  const attestation = inputs.steps.has('attest')
  const spec = verifySpec(
    {
      publicKey: inputs.cosignPublicKey,
      certificateIdentity: inputs.certificateIdentity,
      certificateIdentityRegexp: inputs.certificateIdentityRegexp,
      certificateOidcIssuer: inputs.certificateOidcIssuer,
      tlogUpload: inputs.tlogUpload,
      attestation
    },
    signer
  )
  const tool = cosignTool(inputs, cosign, image)
  state.verify = await steps.run(
    'verify',
    () => verifyImage(tool, image, spec, { tlogUpload: inputs.tlogUpload, attestation }),
    (result) => (result.verified ? 'passed' : 'failed')
  )
}
