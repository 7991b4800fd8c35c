// cosign as every phase runs it: with the registry credentials the job gave, for that registry only,
// and verifying by the key or identity the inputs name.
import type { CosignTool } from '../cosign/commands.js'
import type { VerifyOptions } from '../cosign/verify.js'
import type { Inputs } from '../inputs/inputs.js'
import { writeDockerConfig } from '../registry/credentials.js'
import { privateTempDir } from '../secure-fs/private-dir.js'
import type { InstalledTool } from '../tools/install.js'
import type { ResolvedImage } from '../types.js'

/**
 * cosign with the registry credentials of the inputs in a private Docker config (for the image's
 * registry only); without them, the Docker config of a docker login (DOCKER_CONFIG or ~/.docker),
 * which may name a credential helper cosign calls for pushing signatures.
 */
export function cosignTool(
  inputs: Inputs,
  cosign: InstalledTool,
  image: ResolvedImage
): CosignTool {
  // The registry-username/password inputs are for the image's registry (a baseline may be elsewhere).
  const credentials =
    image.ref.registry === inputs.image.registry ? inputs.registryCredentials : undefined
  const tool = { path: cosign.path, version: cosign.version }
  if (!credentials) return { ...tool, inherit: ['DOCKER_CONFIG'] }
  const dockerConfig = writeDockerConfig(privateTempDir(), image.ref.registry, credentials)
  return { ...tool, env: { DOCKER_CONFIG: dockerConfig } }
}

/** Who verification must find, as the inputs say (verifySpec falls back to this run's signer). */
export function verifyOptions(inputs: Inputs): VerifyOptions {
  return {
    publicKey: inputs.cosignPublicKey,
    certificateIdentity: inputs.certificateIdentity,
    certificateIdentityRegexp: inputs.certificateIdentityRegexp,
    certificateOidcIssuer: inputs.certificateOidcIssuer,
    tlogUpload: inputs.tlogUpload
  }
}
