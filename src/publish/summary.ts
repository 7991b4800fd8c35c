// The job summary: what a reviewer reads in ten seconds. Verdict first, then the image and digest
// (for a multi-platform image, one row per platform), the steps, the counts, the worst findings
// with links (and their platforms), and the signature details. Every value from the report is
// escaped, and the whole stays under GitHub's 1 MiB per step.
import {
  SEVERITIES,
  type ResolvedImage,
  type SignResult,
  type StepRecord,
  type VerifyResult
} from '../types.js'
import type { Finding } from '../findings/findings.js'
import {
  describeFailing,
  evaluateGate,
  meetsThreshold,
  type GateResult,
  type SeverityCounts
} from '../findings/gate.js'
import { clip, code, escapeInline, table } from './markdown.js'
import { MAX_SARIF_RUNS, type SarifTruncation } from './sarif.js'
import { findingSections } from './summary-findings.js'
import { renderSignatures } from './summary-signatures.js'
import type { PlatformReport } from './platform-findings.js'
import { platformsTable, platformsVerdict } from './summary-platforms.js'
import { renderBaseline, type BaselineSummary } from './summary-baseline.js'

/** GitHub refuses a step summary over 1 MiB; keep a margin for what the caller may add. */
export const SUMMARY_MAX_BYTES = 1024 * 1024 - 16 * 1024
const DEFAULT_MAX_FINDINGS = 50

export interface RunSummaryInput {
  /** The `image` input as the user wrote it. */
  imageInput: string
  /** Absent for images that are not in a registry (docker daemon, tarball). */
  image?: ResolvedImage
  steps: StepRecord[]
  /** The gate over all platforms (each finding counted once). */
  gate?: GateResult
  /** Worst first, as collectFindings returns them; for several platforms, merged (mergeFindings). */
  findings?: readonly Finding[]
  /**
   * Only for a multi-platform image: its platform images in scan order. Absent for a single
   * image, whose summary stays as compact as it was.
   */
  platforms?: readonly PlatformReport[]
  /** With `platforms`: the platforms each finding was seen on. */
  platformsOf?: ReadonlyMap<Finding, readonly string[]>
  /** Why the index itself was not signed (indexNotSigned), shown where its signature would be. */
  indexNotSigned?: string
  sarif?: {
    file?: string
    resultCount: number
    truncated?: SarifTruncation
    /** Platforms beyond GitHub's runs per SARIF file, left out of it. */
    omittedPlatforms?: readonly string[]
  }
  /** Path of trivy's JSON report, for "see the report" (several platforms: their reports). */
  reportFile?: string
  /** The ignore file and VEX documents trivy applied, as the user named them (workspace-relative). */
  filters?: { ignoreFile?: string; vex: string[] }
  sign?: SignResult
  attest?: SignResult
  verify?: VerifyResult
  toolVersions: { trivy?: string; cosign?: string }
  /** Why the pipeline stopped when a tool or the registry failed (not a gate verdict). */
  failure?: string
  /** `baseline-image`: the comparison the gate used, or why it could not (then `findings` list new first). */
  baseline?: BaselineSummary
}

const STATUS_LABELS: Record<StepRecord['status'], string> = {
  passed: '✅ passed',
  failed: '❌ failed',
  error: '⚠️ error',
  skipped: '⏭️ skipped'
}

export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const s = Math.round(ms / 1000)
  return `${Math.floor(s / 60)} min ${s % 60} s`
}

/** The one-line verdict, shared by the summary's title and the log. */
export function verdictLine(input: Pick<RunSummaryInput, 'gate' | 'steps' | 'platforms'>): string {
  const broken = input.steps.find((s) => s.status === 'error')
  if (broken) return `${broken.step} could not run${broken.reason ? `: ${broken.reason}` : ''}`
  const gate = input.gate
  // Several platforms: the verdict names the failing ones first, the counts over all follow.
  const opening = gate && input.platforms ? platformsVerdict(gate, input.platforms) : undefined
  if (gate?.verdict === 'failed') {
    return `${opening ?? 'Gate failed'}: ${describeFailing(gate)} at or above ${gate.threshold}`
  }
  const failed = input.steps.find((s) => s.status === 'failed' && s.step !== 'gate')
  if (failed) return `${failed.step} failed${failed.reason ? `: ${failed.reason}` : ''}`
  if (gate) {
    return gate.threshold === 'NONE'
      ? `${opening ?? 'Gate passed'} (fail-on: none): ${gate.total} vulnerabilities reported`
      : `${opening ?? 'Gate passed'}: nothing at or above ${gate.threshold}`
  }
  const ran = input.steps.filter((s) => s.status === 'passed').map((s) => s.step)
  return ran.length > 0 ? `Completed: ${ran.join(', ')}` : 'Nothing ran'
}

function title(input: RunSummaryInput): string {
  const line = verdictLine(input)
  const bad =
    input.steps.some((s) => s.status === 'error' || s.status === 'failed') ||
    input.gate?.verdict === 'failed'
  return `## ${bad ? '❌' : '✅'} ${escapeInline(line, 300)}`
}

function imageLine(input: RunSummaryInput): string {
  const image = input.image
  if (!image) return `**Image** ${code(input.imageInput)} (not a registry image: no digest)`
  const name = code(image.name + (image.ref.tag ? `:${image.ref.tag}` : ''))
  if (!input.platforms) return `**Image** ${name} · **Digest** ${code(image.digest)}`
  const inIndex = image.platformImages.length
  const scanned = input.platforms.length
  const which = scanned < inIndex ? `${scanned} of its ${inIndex}` : `all ${inIndex}`
  return `**Image** ${name} · **Index** ${code(image.digest)} · ${which} platform images scanned`
}

function stepsTable(steps: StepRecord[]): string {
  if (steps.length === 0) return ''
  return table(
    ['Step', 'Status', 'Time', 'Details'],
    steps.map((s) => [
      s.step,
      STATUS_LABELS[s.status],
      s.status === 'skipped' ? '—' : formatDuration(s.durationMs),
      s.reason ? escapeInline(s.reason, 300) : ''
    ])
  )
}

/** The gate's counts, or for a run without the gate step the same counts with no threshold. */
export function findingCounts(input: RunSummaryInput): GateResult | undefined {
  return input.gate ?? (input.findings ? evaluateGate(input.findings, 'NONE') : undefined)
}

function countsTable(gate: GateResult, gateRan: boolean, platforms?: number): string {
  const columns: Array<[string, SeverityCounts | undefined]> = [
    ['Vulnerabilities', gate.counts],
    ['Fixable', gate.fixable],
    ['Secrets', gate.secrets],
    ['Misconfigurations', gate.misconfigurations],
    ['Licenses', gate.licenses]
  ]
  // Secrets, misconfigurations and licenses only show when their scanners found something.
  const shown = columns.filter(
    ([, counts], i) => i < 2 || SEVERITIES.some((s) => (counts?.[s] ?? 0) > 0)
  ) as Array<[string, SeverityCounts]>
  const rows = SEVERITIES.map((s) => [
    meetsThreshold(s, gate.threshold) ? `**${s}** ⛔` : s,
    ...shown.map(([, counts]) => String(counts[s]))
  ])
  rows.push([
    'Total',
    ...shown.map(([, counts]) => String(SEVERITIES.reduce((n, s) => n + counts[s], 0)))
  ])
  const threshold =
    gate.threshold === 'NONE'
      ? 'fail-on: none, the gate never fails'
      : `fails on ${gate.threshold}${gate.threshold === 'CRITICAL' ? '' : ' and above'} (⛔)`
  const verdict =
    gate.verdict === 'failed'
      ? `Gate **failed**: ${gate.failing} findings at or above the threshold; ${threshold}.`
      : `Gate **passed**; ${threshold}.`
  const sentence = gateRan ? verdict : 'The gate did not run (`gate` is not in `steps`).'
  const over = platforms ? ` Counts over all ${platforms} platforms, each finding once.` : ''
  return `### Findings\n\n${sentence}${over}\n\n${table(['Severity', ...shown.map(([n]) => n)], rows)}`
}

function sarifNote(input: RunSummaryInput): string {
  const notes: string[] = []
  const t = input.sarif?.truncated
  if (t) {
    notes.push(
      `> **Code scanning:** the SARIF holds the ${t.kept} most severe of ${t.total} findings (${escapeInline(t.reason)}).`
    )
  }
  const omitted = input.sarif?.omittedPlatforms ?? []
  if (omitted.length > 0) {
    notes.push(
      `> **Code scanning:** GitHub takes at most ${MAX_SARIF_RUNS} runs per SARIF file, one per platform; ` +
        `not in the SARIF: ${escapeInline(omitted.join(', '), 1000)} (the gate and this summary cover them).`
    )
  }
  return notes.join('\n>\n')
}

function footer(input: RunSummaryInput): string {
  const tools = [
    input.toolVersions.trivy && `trivy ${input.toolVersions.trivy}`,
    input.toolVersions.cosign && `cosign ${input.toolVersions.cosign}`
  ]
    .filter(Boolean)
    .map((t) => escapeInline(t as string))
  return `<sub>imgsec-action${tools.length ? ' · ' + tools.join(' · ') : ''}</sub>`
}

/** The failure as the tool reported it, verbatim in a code block (no Markdown to escape there). */
function failureSection(failure: string | undefined): string {
  if (!failure) return ''
  return `### What went wrong\n\n\`\`\`text\n${clip(failure, 4000).replace(/```/g, "'''")}\n\`\`\``
}

/** Which suppressions the counts reflect: a finding they hide is in no report. */
function filtersNote(filters: RunSummaryInput['filters']): string {
  const used = [
    filters?.ignoreFile && `ignore file ${code(filters.ignoreFile)}`,
    ...(filters?.vex ?? []).map((vex) => `VEX ${code(vex)}`)
  ].filter(Boolean)
  return used.length > 0
    ? `Suppressions trivy applied: ${used.join(', ')}.`
    : 'No ignore file or VEX document was applied.'
}

function render(input: RunSummaryInput, cap: number, counts: GateResult | undefined): string {
  return (
    [
      title(input),
      imageLine(input),
      input.platforms ? platformsTable(input.platforms) : '',
      stepsTable(input.steps),
      failureSection(input.failure),
      counts ? countsTable(counts, input.gate !== undefined, input.platforms?.length) : '',
      counts ? filtersNote(input.filters) : '',
      input.baseline ? renderBaseline(input.baseline) : '',
      ...findingSections(
        {
          findings: input.findings,
          platformsOf: input.platformsOf,
          multiPlatform: input.platforms !== undefined,
          sarifFile: input.sarif?.file,
          reportFile: input.reportFile
        },
        cap
      ),
      sarifNote(input),
      renderSignatures({ ...input, multiPlatform: input.platforms !== undefined }),
      footer(input)
    ]
      .filter((part) => part !== '')
      .join('\n\n') + '\n'
  )
}

/**
 * The job summary as Markdown for `core.summary.addRaw(md).write()`. At most `maxFindings` rows
 * per findings table, fewer when that is what it takes to stay under `maxBytes`.
 */
export function renderSummary(
  input: RunSummaryInput,
  options: { maxFindings?: number; maxBytes?: number } = {}
): string {
  const maxBytes = options.maxBytes ?? SUMMARY_MAX_BYTES
  let cap = options.maxFindings ?? DEFAULT_MAX_FINDINGS
  const counts = findingCounts(input)
  for (;;) {
    const md = render(input, cap, counts)
    const bytes = Buffer.byteLength(md)
    if (bytes <= maxBytes) return md
    if (cap === 0) {
      // Only a pathological input gets here (every cell is clipped): cut on a line boundary.
      const cut = Buffer.from(md)
        .subarray(0, maxBytes - 200)
        .toString('utf8')
      return (
        cut.slice(0, cut.lastIndexOf('\n')) +
        "\n\n… summary cut to stay under GitHub's 1 MiB limit.\n"
      )
    }
    cap = Math.floor((cap * maxBytes) / bytes / 2)
  }
}
