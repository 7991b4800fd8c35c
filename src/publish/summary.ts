// The job summary: what a reviewer reads in ten seconds. Verdict first, then the image and digest,
// the steps, the counts, the worst findings with links, and the signature details. Every value
// from the report is escaped, and the whole stays under GitHub's 1 MiB per step.
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
import { clip, code, escapeInline, link, table } from './markdown.js'
import type { SarifTruncation } from './sarif.js'
import { renderSignatures } from './summary-signatures.js'

/** GitHub refuses a step summary over 1 MiB; keep a margin for what the caller may add. */
export const SUMMARY_MAX_BYTES = 1024 * 1024 - 16 * 1024
const DEFAULT_MAX_FINDINGS = 50

export interface RunSummaryInput {
  /** The `image` input as the user wrote it. */
  imageInput: string
  /** Absent for images that are not in a registry (docker daemon, tarball). */
  image?: ResolvedImage
  steps: StepRecord[]
  gate?: GateResult
  /** Worst first, as collectFindings returns them. */
  findings?: readonly Finding[]
  sarif?: { file?: string; resultCount: number; truncated?: SarifTruncation }
  /** Path of trivy's JSON report, for "see the report". */
  reportFile?: string
  /** The ignore file and VEX documents trivy applied, as the user named them (workspace-relative). */
  filters?: { ignoreFile?: string; vex: string[] }
  sign?: SignResult
  attest?: SignResult
  verify?: VerifyResult
  toolVersions: { trivy?: string; cosign?: string }
  /** Why the pipeline stopped when a tool or the registry failed (not a gate verdict). */
  failure?: string
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
export function verdictLine(input: Pick<RunSummaryInput, 'gate' | 'steps'>): string {
  const broken = input.steps.find((s) => s.status === 'error')
  if (broken) return `${broken.step} could not run${broken.reason ? `: ${broken.reason}` : ''}`
  const gate = input.gate
  if (gate?.verdict === 'failed') {
    return `Gate failed: ${describeFailing(gate)} at or above ${gate.threshold}`
  }
  const failed = input.steps.find((s) => s.status === 'failed' && s.step !== 'gate')
  if (failed) return `${failed.step} failed${failed.reason ? `: ${failed.reason}` : ''}`
  if (gate) {
    return gate.threshold === 'NONE'
      ? `Gate passed (fail-on: none): ${gate.total} vulnerabilities reported`
      : `Gate passed: nothing at or above ${gate.threshold}`
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
  if (!input.image) return `**Image** ${code(input.imageInput)} (not a registry image: no digest)`
  return `**Image** ${code(input.image.name + (input.image.ref.tag ? `:${input.image.ref.tag}` : ''))} · **Digest** ${code(input.image.digest)}`
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

function countsTable(gate: GateResult, gateRan: boolean): string {
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
  return `### Findings\n\n${sentence}\n\n${table(['Severity', ...shown.map(([n]) => n)], rows)}`
}

function severityCell(f: Finding): string {
  return f.cvssScore !== undefined ? `${f.severity} ${f.cvssScore.toFixed(1)}` : f.severity
}

function cell(value: string | undefined, max = 80): string {
  return value ? escapeInline(value, max) : '—'
}

const SECTIONS: Array<{
  kind: Finding['kind']
  heading: string
  header: string[]
  row: (f: Finding) => string[]
}> = [
  {
    kind: 'vulnerability',
    heading: 'Worst vulnerabilities',
    header: ['Severity', 'ID', 'Package', 'Installed', 'Fixed', 'Title'],
    row: (f) => [
      severityCell(f),
      link(f.id, f.url, 60),
      cell(f.pkg),
      cell(f.installed, 40),
      f.fixed ? escapeInline(f.fixed, 40) : 'no fix yet',
      cell(f.title, 120)
    ]
  },
  {
    kind: 'secret',
    heading: 'Secrets',
    header: ['Severity', 'Rule', 'File', 'Line', 'Title'],
    row: (f) => [
      f.severity,
      cell(f.id, 60),
      cell(f.path ?? f.target, 120),
      f.startLine ? String(f.startLine) : '—',
      cell(f.title, 120)
    ]
  },
  {
    kind: 'misconfiguration',
    heading: 'Misconfigurations',
    header: ['Severity', 'ID', 'File', 'Line', 'Title'],
    row: (f) => [
      f.severity,
      link(f.id, f.url, 60),
      cell(f.path ?? f.target, 120),
      f.startLine ? String(f.startLine) : '—',
      cell(f.title, 120)
    ]
  },
  {
    kind: 'license',
    heading: 'Licenses',
    header: ['Severity', 'License', 'Package', 'Title'],
    row: (f) => [f.severity, link(f.id, f.url, 60), cell(f.pkg ?? f.path), cell(f.title, 120)]
  }
]

function findingSections(input: RunSummaryInput, cap: number): string[] {
  const findings = input.findings ?? []
  const byKind = new Map<Finding['kind'], Finding[]>()
  const counts = new Map<Finding['kind'], number>()
  for (const f of findings) {
    counts.set(f.kind, (counts.get(f.kind) ?? 0) + 1)
    const list = byKind.get(f.kind) ?? []
    if (list.length < cap) list.push(f)
    byKind.set(f.kind, list)
  }
  const where = [
    input.sarif?.file && `the SARIF (${code(input.sarif.file)})`,
    input.reportFile && `the JSON report (${code(input.reportFile)})`
  ]
    .filter(Boolean)
    .join(' or ')
  const out: string[] = []
  for (const section of SECTIONS) {
    const list = byKind.get(section.kind)
    const total = counts.get(section.kind) ?? 0
    if (!list || total === 0) continue
    const shown = list.length < total ? ` (${list.length} of ${total})` : ` (${total})`
    let md = `### ${section.heading}${shown}\n\n${table(section.header, list.map(section.row))}`
    if (list.length < total)
      md += `\n\n${total - list.length} more not shown — see ${where || 'the SARIF or JSON report'}.`
    out.push(md)
  }
  return out
}

function sarifNote(input: RunSummaryInput): string {
  const t = input.sarif?.truncated
  if (!t) return ''
  return `> **Code scanning:** the SARIF holds the ${t.kept} most severe of ${t.total} findings (${escapeInline(t.reason)}).`
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
      stepsTable(input.steps),
      failureSection(input.failure),
      counts ? countsTable(counts, input.gate !== undefined) : '',
      counts ? filtersNote(input.filters) : '',
      ...findingSections(input, cap),
      sarifNote(input),
      renderSignatures(input),
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
