// cosign as the pipeline uses it: registry credentials (when given as inputs) reach it through a
// private Docker config rather than any command line, and verify defaults to this run's signer.
import type { CosignTool, Signer } from './cosign.js'
import { verifyImage, verifySpec } from './cosign.js'
import type { Inputs } from './inputs.js'
import type { ResolvedImage, VerifyResult } from './pipeline.js'
import { writeDockerConfig } from './registry-auth.js'
import { privateTempDir } from './tempdir.js'
import type { InstalledTool } from './tools/install.js'

export function cosignTool(
  inputs: Inputs,
  cosign: InstalledTool,
  image: ResolvedImage
): CosignTool {
  const credentials = inputs.registryCredentials
  const env = credentials
    ? { DOCKER_CONFIG: writeDockerConfig(privateTempDir(), image.ref.registry, credentials) }
    : undefined
  return { path: cosign.path, version: cosign.version, env }
}

/** Verifies with the inputs' key or identity, or else what this run's sign step used. */
export function verify(
  inputs: Inputs,
  cosign: CosignTool,
  image: ResolvedImage,
  signer: Signer | undefined
): Promise<VerifyResult> {
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
  return verifyImage(cosign, image, spec, { tlogUpload: inputs.tlogUpload, attestation })
}
