// The pull-request comment: what a reviewer sees without opening the run. One comment per image,
// found again by a hidden marker that carries the SARIF category, so the jobs of a matrix (one
// image each, one category each) keep one comment each instead of overwriting one another.
// Verdict first, then counts per platform, what changed against the baseline (new findings
// first), the worst findings and a link to the run. Every value from the report is escaped, and
// the whole stays under GitHub's 65,536 characters per comment.
import { SEVERITIES, type ResolvedImage, type StepRecord } from '../types.js'
import type { Finding } from '../findings/findings.js'
import { evaluateGate, type GateResult, type SeverityCounts } from '../findings/gate.js'
import { code, escapeInline, linkTo, safeUrl, table } from './markdown.js'
import {
  findingsSection,
  placedFindings,
  unplaced,
  type PlacedFinding
} from './pr-comment-findings.js'
import { verdictLine } from './summary.js'

/** GitHub refuses a comment body over 65,536 characters; keep a margin for the cut note. */
export const COMMENT_MAX_CHARS = 65_536 - 536
const DEFAULT_CAPS: RowCaps = { worst: 20, new: 20, fixed: 10 }

/** One scanned platform image (or the single image): a PlatformScan, as this renderer needs it. */
export interface CommentPlatform {
  /** How reports name it: `linux/arm64`, or `image`. */
  label: string
  /** This platform's verdict and counts; absent when the gate did not run. */
  gate?: GateResult
  /** Worst first. */
  findings: readonly Finding[]
}

/** What the baseline comparison found, when there is a baseline. */
export interface BaselineComparison {
  /** The baseline image as the user named it. */
  image?: string
  /** Findings the baseline does not have (the ones the gate counts). */
  new: readonly Finding[]
  /** The baseline's findings this image no longer has. */
  fixed: readonly Finding[]
  /** Findings both have. */
  stillPresent: number
}

export interface PrCommentInput {
  /** The SARIF category: one comment per category on a pull request. */
  category: string
  /** The `image` input as the user wrote it. */
  imageInput: string
  image?: ResolvedImage
  steps: StepRecord[]
  /** The gate over every platform, when it ran. */
  gate?: GateResult & { failingPlatforms?: string[] }
  /** One per scanned image, in scan order; empty when no scan produced a report. */
  platforms: CommentPlatform[]
  baseline?: BaselineComparison
  /**
   * The workflow run's page, where the summary, SARIF and reports are. (What a failed tool printed
   * stays there: the runner masks secrets in the log and the summary, but not in a comment.)
   */
  runUrl?: string
}

interface RowCaps {
  worst: number
  new: number
  fixed: number
}

/**
 * The hidden first line that finds our comment again. The category is percent-encoded down to a
 * plain character set, so that no category can end the HTML comment (`-->`) or look like another.
 */
export function commentMarker(category: string): string {
  const encoded = category
    .replace(/[^A-Za-z0-9._/:@+=~-]/g, (c) => encodeURIComponent(c))
    .replace(/-(?=-)/g, '%2D')
  return `<!-- imgsec-action:pr-comment category=${encoded} -->`
}

/**
 * True when `body` is the comment this category owns: the marker is its whole first line (a reply
 * that quotes our comment starts with `>`, and an edit in the browser may turn `\n` into `\r\n`).
 */
export function isOurComment(body: string | undefined | null, category: string): boolean {
  if (!body) return false
  const marker = commentMarker(category)
  return body.startsWith(marker) && /^\r?\n/.test(body.slice(marker.length))
}

const STEP_MARKS: Record<StepRecord['status'], string> = {
  passed: '✅',
  failed: '❌',
  error: '⚠️',
  skipped: '⏭️'
}

function isBad(input: PrCommentInput): boolean {
  return (
    input.steps.some((s) => s.status === 'error' || s.status === 'failed') ||
    input.gate?.verdict === 'failed'
  )
}

function heading(input: PrCommentInput): string {
  // The summary's verdict, which names the failing platforms when there are several.
  const platforms =
    input.platforms.length > 1
      ? input.platforms.map((p) => ({
          label: p.label,
          counts: p.gate,
          gated: p.gate !== undefined
        }))
      : undefined
  const verdict = escapeInline(verdictLine({ ...input, platforms }), 300)
  const image = input.image
    ? `${input.image.name}${input.image.ref.tag ? `:${input.image.ref.tag}` : ''}`
    : input.imageInput
  const lines = [`### ${isBad(input) ? '❌' : '✅'} ${verdict}`, '', `**Image** ${code(image)}`]
  if (input.image) lines[2] += ` · **Digest** ${code(input.image.digest)}`
  const steps = input.steps.map((s) => `${s.step} ${STEP_MARKS[s.status]}`)
  if (steps.length > 0) lines.push('', `**Steps** ${steps.join(' · ')}`)
  return lines.join('\n')
}

function otherFindings(gate: GateResult): number {
  const sum = (counts: SeverityCounts): number => SEVERITIES.reduce((n, s) => n + counts[s], 0)
  return sum(gate.secrets) + sum(gate.misconfigurations) + sum(gate.licenses)
}

function verdictCell(gate: GateResult): string {
  return gate.verdict === 'failed' ? '❌ failed' : '✅ passed'
}

/** Counts per platform, and over all platforms (each finding once) when there are several. */
function countsTable(input: PrCommentInput, merged: readonly PlacedFinding[]): string {
  if (input.platforms.length === 0) return ''
  const rows: Array<{ label: string; gate: GateResult; gated: boolean }> = input.platforms.map(
    (p) => ({
      label: code(p.label),
      gate: p.gate ?? evaluateGate(p.findings, 'NONE'),
      gated: p.gate !== undefined
    })
  )
  if (input.platforms.length > 1) {
    const all =
      input.gate ??
      evaluateGate(
        merged.map((m) => m.finding),
        'NONE'
      )
    rows.push({ label: '**All platforms**', gate: all, gated: input.gate !== undefined })
  }
  const withOther = rows.some((row) => otherFindings(row.gate) > 0)
  const header = ['Platform', 'Gate', ...SEVERITIES.map(title), 'Fixable']
  if (withOther) header.push('Other')
  const cells = rows.map((row) => {
    const fixable = SEVERITIES.reduce((n, s) => n + row.gate.fixable[s], 0)
    const line = [
      row.label,
      row.gated ? verdictCell(row.gate) : '—',
      ...SEVERITIES.map((s) => String(row.gate.counts[s])),
      String(fixable)
    ]
    if (withOther) line.push(String(otherFindings(row.gate)))
    return line
  })
  const threshold = input.gate ? thresholdNote(input.gate) : 'The gate did not run.'
  const other = withOther ? ' Other: secrets, misconfigurations and licenses.' : ''
  return `Vulnerabilities by severity. ${threshold}${other}\n\n${table(header, cells)}`
}

function title(severity: string): string {
  return severity.charAt(0) + severity.slice(1).toLowerCase()
}

function thresholdNote(gate: GateResult): string {
  if (gate.threshold === 'NONE') return 'fail-on: none, the gate never fails.'
  const above = gate.threshold === 'CRITICAL' ? '' : ' and above'
  return `The gate fails on ${title(gate.threshold)}${above}.`
}

/** New findings first (what the pull request brings), then what it fixed, then how many stayed. */
function baselineSections(input: PrCommentInput, caps: RowCaps): string[] {
  const baseline = input.baseline
  if (!baseline) return []
  const more = runLink(input, 'the run')
  const against = baseline.image ? ` ${code(baseline.image)}` : ''
  const summary =
    `Against the baseline${against}: **${baseline.new.length} new**, ` +
    `${baseline.fixed.length} fixed, ${baseline.stillPresent} still present.`
  return [
    summary,
    findingsSection('New findings', unplaced(baseline.new), { cap: caps.new, platforms: 1, more }),
    findingsSection('Fixed findings', unplaced(baseline.fixed), {
      cap: caps.fixed,
      platforms: 1,
      more
    })
  ]
}

/** A link to the run when its URL is usable, else the words alone. */
function runLink(input: PrCommentInput, text: string): string {
  const href = safeUrl(input.runUrl)
  return href ? linkTo(text, href) : text
}

function footer(input: PrCommentInput): string {
  return (
    `${runLink(input, 'The run')} has the full summary, the SARIF and the JSON reports.\n\n` +
    `<sub>imgsec-action · one comment per image, updated on every run · category ${code(input.category)}</sub>`
  )
}

function render(input: PrCommentInput, merged: readonly PlacedFinding[], caps: RowCaps): string {
  const worstHeading = input.baseline ? 'Worst findings, baseline included' : 'Worst findings'
  const worst = {
    cap: caps.worst,
    platforms: input.platforms.length,
    more: runLink(input, 'the run')
  }
  return [
    commentMarker(input.category),
    heading(input),
    countsTable(input, merged),
    ...baselineSections(input, caps),
    findingsSection(worstHeading, merged, worst),
    footer(input)
  ]
    .filter((part) => part !== '')
    .join('\n\n')
}

/**
 * The comment's Markdown, marker first. At most 20 rows per findings table (10 fixed), fewer when
 * that is what it takes to stay under `maxChars`; then a note says the comment was shortened.
 */
export function renderPrComment(
  input: PrCommentInput,
  options: { maxChars?: number; caps?: Partial<RowCaps> } = {}
): string {
  const maxChars = options.maxChars ?? COMMENT_MAX_CHARS
  const merged = placedFindings(input.platforms)
  let caps: RowCaps = { ...DEFAULT_CAPS, ...options.caps }
  const note =
    "\n\n> Shortened to stay under GitHub's 65,536 characters per comment: see " +
    `${runLink(input, 'the run')} for everything.`
  for (let shortened = false; ; shortened = true) {
    const md = render(input, merged, caps) + (shortened ? note : '')
    if (md.length <= maxChars) return md + '\n'
    if (caps.worst + caps.new + caps.fixed === 0) return hardCut(md, maxChars, note)
    const factor = maxChars / md.length / 2
    caps = {
      worst: Math.floor(caps.worst * factor),
      new: Math.floor(caps.new * factor),
      fixed: Math.floor(caps.fixed * factor)
    }
  }
}

/** Only a pathological input gets here (every cell is clipped): cut on a line boundary. */
function hardCut(md: string, maxChars: number, note: string): string {
  const cut = md.slice(0, maxChars - note.length - 1)
  return cut.slice(0, cut.lastIndexOf('\n')) + note + '\n'
}
