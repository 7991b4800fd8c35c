// The report phase: SARIF, log lines, job summary, annotations, outputs and the code-scanning
// upload, from whatever the run produced. It runs also after a failure, and a part that fails here
// is recorded (and fails the step) without keeping the other parts from being written.
import * as core from '@actions/core'
import { readFileSync } from 'node:fs'
import { relative, sep } from 'node:path'
import { describeError } from '../errors.js'
import { distinctFindings } from '../findings/findings.js'
import { formatImageRef, imageName } from '../registry/image-ref.js'
import type { Inputs } from '../inputs/inputs.js'
import { writeOutputs } from './step-outputs.js'
import { finalStageFromLine } from '../publish/dockerfile.js'
import { buildAnnotations, MAX_ANNOTATIONS_PER_LEVEL } from '../publish/annotations.js'
import { renderLogText } from '../publish/log-text.js'
import { buildSarif, type SarifBuild } from '../publish/sarif.js'
import { renderSummary, type RunSummaryInput } from '../publish/summary.js'
import type { RunState } from './run-state.js'
import { writeFileContained } from '../secure-fs/contained-path.js'
import { uploadContext, uploadSarif } from '../publish/upload-sarif.js'

export interface DockerfileLocation {
  /** Workspace-relative, forward slashes: what SARIF and annotations name. */
  uri: string
  /** The line of the final stage's FROM (1 when there is none to find). */
  line: number
}

export async function publish(state: RunState): Promise<void> {
  const { inputs } = state
  const dockerfile = attempt(state, 'read the dockerfile', () => dockerfileLocation(inputs))
  const sarif = state.scans
    ? attempt(state, 'write the SARIF file', () => writeSarif(state, dockerfile))
    : undefined
  state.sarif = sarif
  writeOutputs(state, sarif ? inputs.sarifFile : undefined)
  const summary = summaryInput(state, sarif)
  core.info(renderLogText(summary))
  if (inputs.summary) {
    await attemptAsync(state, 'write the job summary', async () => {
      await core.summary.addRaw(renderSummary(summary)).write()
    })
  }
  if (inputs.annotate && state.scans && state.gate) {
    attempt(state, 'add annotations', () => annotate(state, dockerfile))
  }
  if (sarif && inputs.uploadSarif) {
    await attemptAsync(state, 'upload the SARIF to code scanning', () => upload(inputs, sarif))
  }
}

/** Interim (per-platform reports follow): every platform's findings, each once. */
function allFindings(state: RunState) {
  return distinctFindings((state.scans ?? []).map((scan) => scan.findings))
}

function summaryInput(state: RunState, sarif: SarifBuild | undefined): RunSummaryInput {
  const { inputs, tools } = state
  return {
    imageInput: formatImageRef(inputs.image),
    image: state.image,
    steps: state.steps.all(),
    gate: state.gate,
    findings: allFindings(state),
    sarif: sarif && {
      file: inputs.sarifFile,
      resultCount: sarif.resultCount,
      truncated: sarif.truncated
    },
    reportFile: state.scans?.[0]?.reportFile,
    filters: {
      ignoreFile: inputs.ignoreFile && workspacePath(inputs, inputs.ignoreFile),
      vex: inputs.vex.map((vex) => workspacePath(inputs, vex))
    },
    sign: state.sign,
    attest: state.attest,
    verify: state.verify,
    toolVersions: { trivy: tools.trivy?.version, cosign: tools.cosign?.version },
    failure: state.failure === undefined ? undefined : describeError(state.failure)
  }
}

/**
 * The worst findings become warnings. The verdict's error annotation is not emitted here: the step's
 * own failure carries its title and place (see main.ts), so a failed gate reads as one error.
 */
function annotate(state: RunState, dockerfile: DockerfileLocation | undefined): void {
  const { gate } = state
  if (!state.scans || !gate) return
  const annotations = buildAnnotations(allFindings(state), gate, {
    dockerfile: dockerfile && { path: dockerfile.uri, line: dockerfile.line },
    image: formatImageRef(state.inputs.image),
    warningsLeft: MAX_ANNOTATIONS_PER_LEVEL - operationalWarnings(state)
  })
  for (const { level, message, ...place } of annotations) {
    if (level === 'warning') core.warning(message, place)
    else state.verdictAnnotation = place
  }
}

/** The warnings this run has already given (they share GitHub's 10 per step with the findings). */
function operationalWarnings(state: RunState): number {
  const unpinned = [state.tools.trivy, state.tools.cosign].filter((tool) => tool && !tool.pinned)
  return unpinned.length + (state.sarif?.truncated ? 1 : 0)
}

/** A path as the user sees it in the repository: workspace-relative, forward slashes. */
function workspacePath(inputs: Inputs, path: string): string {
  return relative(inputs.workspace, path).split(sep).join('/')
}

function dockerfileLocation(inputs: Inputs): DockerfileLocation | undefined {
  if (!inputs.dockerfile) return undefined
  const text = readFileSync(inputs.dockerfile, 'utf8')
  const uri = workspacePath(inputs, inputs.dockerfile)
  return { uri, line: finalStageFromLine(text) ?? 1 }
}

function writeSarif(state: RunState, dockerfile: DockerfileLocation | undefined): SarifBuild {
  const { inputs, tools } = state
  const build = buildSarif(allFindings(state), {
    toolVersion: tools.trivy?.version ?? inputs.trivy.version,
    category: inputs.sarifCategory,
    imageName: imageName(inputs.image),
    dockerfile
  })
  // Never through a symbolic link out of the workspace (a pull request can commit one).
  writeFileContained(inputs.sarifFile, build.bytes, [inputs.workspace])
  if (build.truncated) core.warning(`SARIF: ${build.truncated.reason}`)
  core.info(`SARIF: ${build.resultCount} results written to ${inputs.sarifFile}`)
  return build
}

async function upload(inputs: Inputs, sarif: SarifBuild): Promise<void> {
  const result = await uploadSarif({
    sarif: sarif.bytes,
    token: inputs.githubToken,
    ...uploadContext()
  })
  core.info(`SARIF uploaded to code scanning (id ${result.sarifId}, ${result.status})`)
}

function attempt<T>(state: RunState, what: string, work: () => T): T | undefined {
  try {
    return work()
  } catch (error) {
    state.reportFailures.push(`could not ${what}: ${describeError(error)}`)
    return undefined
  }
}

async function attemptAsync(
  state: RunState,
  what: string,
  work: () => Promise<void>
): Promise<void> {
  try {
    await work()
  } catch (error) {
    state.reportFailures.push(`could not ${what}: ${describeError(error)}`)
  }
}
