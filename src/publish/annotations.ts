// Annotations for the run and the pull request's checks. GitHub shows 10 errors and 10 warnings
// per step and drops the rest, so the choice is explicit: the gate's verdict as the one error,
// the worst findings at or above the threshold as warnings. For a multi-platform image the
// findings of all platforms share those 10, each finding once with the platforms it is on.
import type { FailOn } from '../types.js'
import type { Finding } from '../findings/findings.js'
import { describeFailing, meetsThreshold, type GateResult } from '../findings/gate.js'

export const MAX_ANNOTATIONS_PER_LEVEL = 10

export interface Annotation {
  level: 'error' | 'warning'
  title: string
  message: string
  /** Workspace-relative path of the Dockerfile, when one was given. */
  file?: string
  startLine?: number
}

export interface AnnotationOptions {
  /** The Dockerfile the annotations sit on: its path and the final stage's FROM line. */
  dockerfile?: { path: string; line?: number }
  /** The image as people name it, for the messages (`docker.io/library/alpine:3.20`). */
  image?: string
  /**
   * How many finding warnings GitHub will still show: the step's other warnings (an unpinned tool,
   * a cut SARIF) count toward the same 10. MAX_ANNOTATIONS_PER_LEVEL unless given.
   */
  warningsLeft?: number
  /** Several platforms: the platforms each finding is on (findings merged, see mergeFindings). */
  platformsOf?: ReadonlyMap<Finding, readonly string[]>
  /** Several platforms: those whose own gate failed, named in the verdict. */
  failingPlatforms?: readonly string[]
}

/** With fail-on none nothing fails, yet the worst findings still deserve a look: show HIGH and up. */
function displayThreshold(failOn: FailOn): FailOn {
  return failOn === 'NONE' ? 'HIGH' : failOn
}

function findingMessage(f: Finding, platforms: readonly string[] | undefined): string {
  const score = f.cvssScore !== undefined ? `, CVSS ${f.cvssScore.toFixed(1)}` : ''
  const lines = [`${f.id} (${f.severity}${score}): ${f.title}`]
  if (platforms)
    lines.push(`On ${platforms.length === 1 ? 'platform' : 'platforms'} ${platforms.join(', ')}.`)
  if (f.kind === 'vulnerability') {
    lines.push(
      `Package ${f.pkg ?? '?'} ${f.installed ?? ''} in ${f.path ?? f.target}: ` +
        (f.fixed ? `upgrade to ${f.fixed}.` : 'no fixed version yet.')
    )
  } else {
    lines.push(`In the image: ${f.path ?? f.target}${f.startLine ? ` line ${f.startLine}` : ''}.`)
  }
  if (f.url) lines.push(f.url)
  return lines.join('\n')
}

function findingTitle(f: Finding, platforms: readonly string[] | undefined): string {
  const what =
    f.kind === 'vulnerability' ? ` in ${f.pkg ?? '?'}` : f.kind === 'license' ? '' : ` (${f.kind})`
  const on = platforms ? ` on ${platforms.join(', ')}` : ''
  return `${f.severity} ${f.id}${what}${on}`
}

/**
 * The annotations of a run: at most MAX_ANNOTATIONS_PER_LEVEL of each level, placed on the
 * Dockerfile when one is given (else on the run).
 */
export function buildAnnotations(
  findings: readonly Finding[],
  gate: GateResult,
  options: AnnotationOptions = {}
): Annotation[] {
  const place = options.dockerfile
    ? {
        file: options.dockerfile.path,
        ...(options.dockerfile.line ? { startLine: options.dockerfile.line } : {})
      }
    : {}
  const threshold = displayThreshold(gate.threshold)
  const worst: Finding[] = []
  const room = Math.max(
    0,
    Math.min(options.warningsLeft ?? MAX_ANNOTATIONS_PER_LEVEL, MAX_ANNOTATIONS_PER_LEVEL)
  )
  // Findings come worst first: stop at the first one below the threshold.
  for (const f of findings) {
    if (!meetsThreshold(f.severity, threshold) || worst.length >= room) break
    worst.push(f)
  }
  const annotations: Annotation[] = []
  if (gate.verdict === 'failed') {
    const failing = options.failingPlatforms ?? []
    const on = failing.length > 0 ? ` on ${failing.join(', ')}` : ''
    const image = (options.image ? ` in ${options.image}` : '') + on
    const rest = gate.failing - worst.length
    const more =
      rest > 0
        ? ` The ${worst.length} worst are annotated; ${rest} more are in the job summary and the SARIF.`
        : ''
    annotations.push({
      level: 'error',
      title: `Image gate failed (fail-on: ${gate.threshold.toLowerCase()})`,
      message: `${gate.failing} findings at or above ${gate.threshold}${image}: ${describeFailing(gate)}.${more}`,
      ...place
    })
  }
  for (const f of worst) {
    const platforms = options.platformsOf?.get(f)
    annotations.push({
      level: 'warning',
      title: findingTitle(f, platforms),
      message: findingMessage(f, platforms),
      ...place
    })
  }
  return annotations
}
