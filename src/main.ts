// The pipeline as a row of named phases: inputs → install → resolve → scan → gate → sign → attest
// → verify → report. Only this function decides the step's outcome (core.setFailed).
import * as core from '@actions/core'
import { cosignTool, verify } from './cosign-phase.js'
import { prepareSigner, signImage, attestImage } from './cosign.js'
import type { Signer } from './cosign.js'
import { describeError } from './errors.js'
import { resolveImage } from './image.js'
import { getInputs, type Inputs } from './inputs.js'
import { failureMessages } from './outcome.js'
import { publish } from './publish.js'
import { evaluateGate } from './report/gate.js'
import type { RunState } from './run-state.js'
import { scanImage, vulnPredicate } from './scan-phase.js'
import { StepLog } from './step-log.js'
import { removePrivateTempDir } from './tempdir.js'
import { installTools } from './tools/install.js'

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
  const { inputs, steps } = state
  const needsTrivy = steps.isSelected('scan')
  const needsCosign = ['sign', 'attest', 'verify'].some((s) => inputs.steps.has(s as never))
  state.tools = await core.group('Install tools', () =>
    installTools(
      {
        trivy: needsTrivy ? inputs.trivy : undefined,
        cosign: needsCosign ? inputs.cosign : undefined
      },
      inputs.downloadBaseUrl
    )
  )
  if (inputs.imageSource.kind === 'registry') {
    state.image = await core.group('Resolve image digest', () =>
      resolveImage(inputs.image, inputs.registryCredentials)
    )
    core.info(`Every step names ${state.image.pinnedRef}`)
  }
  const { trivy, cosign } = state.tools
  const image = state.image
  if (trivy) {
    state.scan = await core.group('Scan', () =>
      steps.time('scan', () => scanImage(inputs, trivy, image))
    )
  }
  if (state.scan && steps.isSelected('gate')) {
    const findings = state.scan.findings
    state.gate = await steps.time(
      'gate',
      async () => evaluateGate(findings, inputs.failOn),
      (gate) => gate.verdict
    )
  }
  if (!cosign || !image) return
  const tool = cosignTool(inputs, cosign, image)
  let signer: Signer | undefined
  if (state.gate?.verdict === 'failed') {
    steps.skip('sign', 'the gate failed')
    steps.skip('attest', 'the gate failed')
  } else if (steps.isSelected('sign') || steps.isSelected('attest')) {
    signer = await prepareSigner(tool, {
      key: inputs.cosignKey,
      password: inputs.cosignPassword,
      tlogUpload: inputs.tlogUpload
    })
    const ready = signer
    if (steps.isSelected('sign')) {
      state.sign = await core.group('Sign', () =>
        steps.time('sign', () =>
          signImage(tool, ready, image, {
            annotations: inputs.annotations,
            recursive: inputs.recursive
          })
        )
      )
    }
    const scan = state.scan
    if (steps.isSelected('attest') && trivy && scan) {
      state.attest = await core.group('Attest', () =>
        steps.time('attest', async () =>
          attestImage(tool, ready, image, await vulnPredicate(trivy, scan.reportFile))
        )
      )
    }
  }
  if (steps.isSelected('sign') && !state.sign) {
    // verify checks what this run signed; with nothing signed there is nothing of ours to check.
    steps.skip('verify', 'nothing was signed: the gate failed')
  } else if (steps.isSelected('verify')) {
    state.verify = await core.group('Verify', () =>
      steps.time(
        'verify',
        () => verify(inputs, tool, image, signer),
        (result) => (result.verified ? 'passed' : 'failed')
      )
    )
  }
}
