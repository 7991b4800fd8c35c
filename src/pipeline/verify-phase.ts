// The verify step as a policy over the evidence: the signature on each digest that `sign` signs
// (this run's, or what a sign with the same inputs would sign), and each attestation of
// `verify-attestations` on each platform image's digest, signed by the same signer; a vuln
// attestation is then held to max-scan-age and fail-on (against the baseline when there is one),
// so a deploy job can refuse an image on its release's signed scan without scanning it again.
import type { Signer } from '../cosign/commands.js'
import { verifyImage, verifySpec, type DigestVerification } from '../cosign/verify.js'
import { evaluateSbomPredicates, evaluateVulnPredicates } from '../findings/evidence.js'
import type { Finding } from '../findings/findings.js'
import type { ImageTarget, ImageVerification, VerificationCheck } from '../types.js'
import { cosignImage } from './cosign-phase.js'
import { cosignTool, verifyOptions } from './cosign-tool.js'
import { signingBlocker, signingTargets, type RunState, type ScanPlan } from './run-state.js'

/** Each digest to verify, with what to check on it. */
function verifyTargets(state: RunState, plan: ScanPlan) {
  const signed = state.sign
    ? state.sign.images.map((image) => image.target)
    : signingTargets(plan, plan.targets, state.inputs.recursive)
  const attestations = state.inputs.verifyAttestations
  const attested = attestations.length > 0 ? plan.targets : []
  const all = [...signed, ...attested.filter((target) => !signed.includes(target))]
  return all.map((target) => ({
    target,
    signature: signed.includes(target),
    attestations: attested.includes(target) ? attestations : []
  }))
}

/** The verified baseline's findings for a platform image of this run, when there are any. */
function baselineOf(state: RunState, target: ImageTarget): readonly Finding[] | undefined {
  const scan = state.scans?.find((s) => s.target === target)
  return scan ? state.baseline?.findings.get(scan.target) : undefined
}

/** What the verified attestations say, held to the policy: age and fail-on (vuln), a real SBOM. */
function evidenceChecks(
  state: RunState,
  target: ImageTarget,
  result: DigestVerification
): VerificationCheck[] {
  const { inputs } = state
  const checks: VerificationCheck[] = []
  const vuln = result.predicates.vuln
  if (vuln) {
    const policy = {
      maxScanAge: inputs.maxScanAge,
      failOn: inputs.failOn,
      baseline: baselineOf(state, target),
      now: new Date()
    }
    checks.push(...evaluateVulnPredicates(vuln, policy).checks)
  }
  const sbom = result.predicates.sbom
  if (sbom) checks.push(evaluateSbomPredicates(sbom))
  return checks
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
  const spec = verifySpec(verifyOptions(inputs), signer)
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
        if (result.verified) signerSeen = result.signer
        const checks = [...result.checks, ...evidenceChecks(state, target, result)]
        const failed = checks.find((check) => !check.passed)
        images.push({
          target,
          verified: failed === undefined,
          checks,
          tlogEntry: result.tlogEntry,
          failure: failed && `${failed.check}: ${failed.detail}`
        })
      }
      const verified = images.length > 0 && images.every((image) => image.verified)
      return { verified, signer: signerSeen, images }
    },
    (result) => (result.verified ? 'passed' : 'failed')
  )
}
