// The report phase: SARIF, log lines, job summary, annotations, outputs and the code-scanning
// upload, from whatever the run produced. It runs also after a failure, and a part that fails here
// is recorded (and fails the step) without keeping the other parts from being written. The
// findings of several platforms are merged once here, and every report is made from that.
import * as core from '@actions/core'
import { readFileSync } from 'node:fs'
import { relative, sep } from 'node:path'
import { describeError } from '../errors.js'
import { formatImageRef, imageName } from '../registry/image-ref.js'
import type { Inputs } from '../inputs/inputs.js'
import { writeOutputs } from './step-outputs.js'
import { finalStageFromLine } from '../publish/dockerfile.js'
import { buildAnnotations, MAX_ANNOTATIONS_PER_LEVEL } from '../publish/annotations.js'
import { renderLogText } from '../publish/log-text.js'
import { buildSarifRuns, MAX_SARIF_RUNS, type SarifBuild } from '../publish/sarif.js'
import { renderSummary, type RunSummaryInput } from '../publish/summary.js'
import { indexNotSigned, type RunState } from './run-state.js'
import { allFindings, isMultiPlatform, platformReports } from './run-result.js'
import { writeFileContained } from '../secure-fs/contained-path.js'
import { uploadContext, uploadSarif } from '../publish/upload-sarif.js'
import { commentOnPullRequest } from './pr-comment-step.js'
import type { BaselineComparison as CommentBaseline } from '../publish/pr-comment.js'
import { baselineSummary, mergedComparison, newFirst } from './baseline-result.js'

export interface DockerfileLocation {
  /** Workspace-relative, forward slashes: what SARIF and annotations name. */
  uri: string
  /** The line of the final stage's FROM (1 when there is none to find). */
  line: number
}

/** The findings of all platforms, merged once for every report. */
type Merged = ReturnType<typeof allFindings>

export async function publish(state: RunState): Promise<void> {
  const { inputs } = state
  const dockerfile = attempt(state, 'read the dockerfile', () => dockerfileLocation(inputs))
  const sarif = state.scans
    ? attempt(state, 'write the SARIF file', () => writeSarif(state, dockerfile))
    : undefined
  state.sarif = sarif
  const merged = allFindings(state)
  writeOutputs(state, sarif ? inputs.sarifFile : undefined, merged.findings)
  const summary = summaryInput(state, sarif, merged)
  core.info(renderLogText(summary))
  if (inputs.summary) {
    await attemptAsync(state, 'write the job summary', async () => {
      await core.summary.addRaw(renderSummary(summary)).write()
    })
  }
  if (inputs.annotate && state.scans && state.gate) {
    attempt(state, 'add annotations', () => annotate(state, dockerfile, merged))
  }
  if (inputs.comment) {
    await attemptAsync(state, 'comment on the pull request', () =>
      commentOnPullRequest(state, commentBaseline(state))
    )
  }
  if (sarif && inputs.uploadSarif) {
    await attemptAsync(state, 'upload the SARIF to code scanning', () => upload(inputs, sarif))
  }
}

/** The comment's baseline part: new and fixed findings, and how many are still present. */
function commentBaseline(state: RunState): CommentBaseline | undefined {
  const comparison = mergedComparison(state)
  if (!comparison || !state.baseline) return undefined
  return {
    image: state.baseline.image,
    new: comparison.added,
    fixed: comparison.fixed,
    stillPresent: comparison.present.length
  }
}

function summaryInput(
  state: RunState,
  sarif: SarifBuild | undefined,
  merged: Merged
): RunSummaryInput {
  const { inputs, tools } = state
  const multi = isMultiPlatform(state)
  return {
    imageInput: formatImageRef(inputs.image),
    image: state.image,
    steps: state.steps.all(),
    gate: state.gate,
    // Against a baseline, the new findings (the ones the gate counted) come first.
    findings: newFirst(merged.findings, mergedComparison(state)),
    baseline: baselineSummary(state),
    platforms: multi ? platformReports(state) : undefined,
    platformsOf: multi ? merged.platformsOf : undefined,
    indexNotSigned: indexNotSigned(state.plan),
    sarif: sarif && {
      file: inputs.sarifFile,
      resultCount: sarif.resultCount,
      truncated: sarif.truncated,
      omittedPlatforms: sarif.omittedPlatforms
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
function annotate(
  state: RunState,
  dockerfile: DockerfileLocation | undefined,
  merged: Merged
): void {
  const { gate } = state
  if (!merged.findings || !gate) return
  const multi = isMultiPlatform(state)
  const annotations = buildAnnotations(merged.findings, gate, {
    dockerfile: dockerfile && { path: dockerfile.uri, line: dockerfile.line },
    image: formatImageRef(state.inputs.image),
    warningsLeft: MAX_ANNOTATIONS_PER_LEVEL - operationalWarnings(state),
    platformsOf: multi ? merged.platformsOf : undefined,
    failingPlatforms: multi ? gate.failingPlatforms : undefined
  })
  for (const { level, message, ...place } of annotations) {
    if (level === 'warning') core.warning(message, place)
    else state.verdictAnnotation = place
  }
}

/** The warnings this run has already given (they share GitHub's 10 per step with the findings). */
function operationalWarnings(state: RunState): number {
  const unpinned = [state.tools.trivy, state.tools.cosign].filter((tool) => tool && !tool.pinned)
  const sarifWarnings = [state.sarif?.truncated, state.sarif?.omittedPlatforms].filter(Boolean)
  return unpinned.length + sarifWarnings.length
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

/** One run per platform image (a single image: one run under the category as given). */
function writeSarif(state: RunState, dockerfile: DockerfileLocation | undefined): SarifBuild {
  const { inputs, scans, tools } = state
  const multi = isMultiPlatform(state)
  const runs = (scans ?? []).map((scan) => ({
    platform: multi ? scan.target.platform : undefined,
    findings: scan.findings
  }))
  const build = buildSarifRuns(runs, {
    toolVersion: tools.trivy?.version ?? inputs.trivy.version,
    category: inputs.sarifCategory,
    imageName: imageName(inputs.image),
    dockerfile
  })
  // Never through a symbolic link out of the workspace (a pull request can commit one).
  writeFileContained(inputs.sarifFile, build.bytes, [inputs.workspace])
  if (build.truncated) core.warning(`SARIF: ${build.truncated.reason}`)
  if (build.omittedPlatforms) {
    core.warning(
      `SARIF: GitHub takes at most ${MAX_SARIF_RUNS} runs per file; no code-scanning run for ` +
        `${build.omittedPlatforms.join(', ')} (the gate, the summary and the outputs cover them)`
    )
  }
  core.info(
    `SARIF: ${build.resultCount} results in ${build.runs.length} run(s) written to ${inputs.sarifFile}`
  )
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
