// The sign and attest steps: cosign on pinned digests only, one call per digest. Registry
// credentials (when given as inputs) reach it through a private Docker config rather than any
// command line, nothing is signed or attested unless the gate passed (signingBlocker), and only
// what was scanned is signed (signingTargets). verify-phase.ts verifies.
import type { CosignImage, Signer } from '../cosign/commands.js'
import { attestImage, prepareSigner, signImage } from '../cosign/commands.js'
import type { AttestationType, ImageTarget, ResolvedImage, SignedImage } from '../types.js'
import { signingBlocker, signingTargets, type PlatformScan, type RunState } from './run-state.js'
import { vulnPredicate } from './scan-phase.js'
import type { InstalledTool } from '../tools/install.js'
import { cosignTool } from './cosign-tool.js'

export function cosignImage(image: ResolvedImage, target: ImageTarget): CosignImage {
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
