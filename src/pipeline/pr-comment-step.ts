// The pull-request comment as a part of the report phase: from the run state to the comment's
// input, then to the API. Only `pull_request` and `pull_request_target` runs have a pull request
// to comment on; any other event says so in the log and posts nothing.
import * as core from '@actions/core'
import { formatImageRef } from '../registry/image-ref.js'
import {
  renderPrComment,
  type BaselineComparison,
  type PrCommentInput
} from '../publish/pr-comment.js'
import { postPrComment, pullRequestContext, runUrl } from '../publish/pr-comment-post.js'
import { targetLabel, type RunState } from './run-state.js'

/** Creates or updates this image's comment on the pull request the run is for. */
export async function commentOnPullRequest(
  state: RunState,
  baseline?: BaselineComparison,
  env: NodeJS.ProcessEnv = process.env
): Promise<void> {
  const pullRequest = pullRequestContext(env)
  if (!pullRequest) {
    core.info(
      `comment: the ${env['GITHUB_EVENT_NAME'] ?? 'unknown'} event has no pull request to comment on`
    )
    return
  }
  const result = await postPrComment({
    token: state.inputs.githubToken,
    pullRequest,
    category: state.inputs.sarifCategory,
    apiUrl: env['GITHUB_API_URL'],
    body: renderPrComment(commentInput(state, baseline, runUrl(env)))
  })
  if (result.outcome !== 'not-permitted') {
    core.info(`Pull request comment ${result.outcome}: ${result.url ?? `id ${result.id}`}`)
  }
}

export function commentInput(
  state: RunState,
  baseline: BaselineComparison | undefined,
  runUrl: string | undefined
): PrCommentInput {
  return {
    category: state.inputs.sarifCategory,
    imageInput: formatImageRef(state.inputs.image),
    image: state.image,
    steps: state.steps.all(),
    gate: state.gate,
    platforms: (state.scans ?? []).map((scan) => ({
      label: targetLabel(scan.target),
      gate: scan.gate,
      findings: scan.findings
    })),
    baseline,
    runUrl
  }
}
