// The pipeline as a row of named phases: inputs → install → resolve → plan (which platform images)
// → scan → gate → sign → attest → verify → report. Only this function decides the step's outcome.
import * as core from '@actions/core'
import { signAndAttest } from './pipeline/cosign-phase.js'
import { verifyImageSignature } from './pipeline/verify-phase.js'
import { describeError } from './errors.js'
import { resolveImage } from './registry/resolve.js'
import { getInputs } from './inputs/get-inputs.js'
import type { Inputs } from './inputs/inputs.js'
import { failureMessages } from './pipeline/run-result.js'
import type { Step } from './types.js'
import { readBaseline } from './pipeline/baseline-phase.js'
import { logPlan, planTargets } from './pipeline/plan-phase.js'
import { publish } from './pipeline/report-phase.js'
import type { RunState } from './pipeline/run-state.js'
import { gateImage, scanImage } from './pipeline/scan-phase.js'
import { StepLog } from './pipeline/step-log.js'
import { removePrivateTempDir } from './secure-fs/private-dir.js'
import type { Tool } from './tools/releases.js'
import { installTools } from './tools/install.js'

/** The tools each step runs: only these are downloaded. */
const TOOLS_OF_STEP: Record<Step, Tool[]> = {
  scan: ['trivy'],
  gate: [],
  sign: ['cosign'],
  attest: ['trivy', 'cosign'],
  verify: ['cosign']
}

export async function run(): Promise<void> {
  let inputs: Inputs
  try {
    inputs = getInputs()
  } catch (error) {
    core.setFailed(describeError(error))
    return
  }
  const state: RunState = {
    inputs,
    steps: new StepLog(inputs.steps),
    tools: {},
    reportFailures: []
  }
  try {
    await pipeline(state)
  } catch (error) {
    state.failure = error
  } finally {
    await core.group('Report', () => publish(state))
    removePrivateTempDir()
  }
  const failures = failureMessages(state)
  if (failures.length > 0) {
    // What core.setFailed does, plus the verdict's title and place (the Dockerfile) when the gate
    // failed, so that the failure is one error annotation where people look.
    process.exitCode = core.ExitCode.Failure
    core.error(failures.join('\n'), state.verdictAnnotation)
  }
}

async function pipeline(state: RunState): Promise<void> {
  const { inputs } = state
  const needed = new Set([...inputs.steps].flatMap((step) => TOOLS_OF_STEP[step]))
  // A baseline's vuln attestation is verified with cosign before the gate.
  if (inputs.baselineImage) needed.add('cosign')
  state.tools = await core.group('Install tools', () =>
    installTools(
      {
        trivy: needed.has('trivy') ? inputs.trivy : undefined,
        cosign: needed.has('cosign') ? inputs.cosign : undefined
      },
      inputs.downloadBaseUrl,
      { trust: { trustedRootPath: inputs.sigstoreTrustedRoot } }
    )
  )
  if (inputs.imageSource.kind === 'registry') {
    const image = await core.group('Resolve image digest', () =>
      resolveImage(inputs.image, inputs.registryCredentials)
    )
    core.info(`Every step names ${image.pinnedRef} or a platform image listed in it`)
    state.image = image
  }
  state.plan = planTargets(state)
  logPlan(state.plan)
  await scanImage(state)
  await readBaseline(state)
  await gateImage(state)
  const signer = await signAndAttest(state)
  await verifyImageSignature(state, signer)
}
