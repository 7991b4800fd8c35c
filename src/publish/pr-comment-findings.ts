// The findings tables of the pull-request comment: every platform's findings merged (a finding of
// several platforms once, with the platforms it was found on), worst first, at most `cap` rows,
// every value from the report escaped.
import { compareFindings, type Finding } from '../findings/findings.js'
import { mergeFindings } from './platform-findings.js'
import { code, escapeInline, link, table } from './markdown.js'

/** A finding, once, with the labels of the platforms it was found on. */
export interface PlacedFinding {
  finding: Finding
  platforms: string[]
}

/** Every platform's findings, each once (as the overall gate counts them), worst first. */
export function placedFindings(
  platforms: ReadonlyArray<{ label: string; findings: readonly Finding[] }>
): PlacedFinding[] {
  const { findings, platformsOf } = mergeFindings(platforms)
  return findings.map((finding) => ({ finding, platforms: platformsOf.get(finding) ?? [] }))
}

/** Findings of no particular platform (the baseline comparison's), worst first. */
export function unplaced(findings: readonly Finding[]): PlacedFinding[] {
  return [...findings].sort(compareFindings).map((finding) => ({ finding, platforms: [] }))
}

function cell(value: string | undefined, max = 60): string {
  return value ? escapeInline(value, max) : '—'
}

function findingRow(placed: PlacedFinding, platforms: number): string[] {
  const f = placed.finding
  const severity =
    f.cvssScore !== undefined ? `${f.severity} ${f.cvssScore.toFixed(1)}` : f.severity
  const fixed =
    f.kind === 'vulnerability' ? (f.fixed ? escapeInline(f.fixed, 40) : 'no fix yet') : '—'
  const row = [
    severity,
    link(f.id, f.url, 60),
    cell(f.pkg ?? f.path, 80),
    cell(f.installed, 40),
    fixed
  ]
  if (platforms > 1) {
    const all = placed.platforms.length === platforms
    row.push(all ? 'all' : placed.platforms.map((label) => code(label)).join(', '))
  }
  row.push(cell(f.title, 100))
  return row
}

/**
 * A findings table of at most `cap` rows, with a line saying how many more there are and where
 * (`more`: Markdown already made safe, such as a link to the run). A Platforms column when
 * `platforms` is more than one.
 */
export function findingsSection(
  heading: string,
  placed: readonly PlacedFinding[],
  options: { cap: number; platforms: number; more: string }
): string {
  if (placed.length === 0) return ''
  const shown = placed.slice(0, options.cap)
  const header = ['Severity', 'ID', 'Package or file', 'Installed', 'Fixed in']
  if (options.platforms > 1) header.push('Platforms')
  header.push('Title')
  const count = shown.length < placed.length ? `${shown.length} of ${placed.length}` : shown.length
  const parts = [`#### ${heading} (${count})`]
  if (shown.length > 0) {
    parts.push(
      table(
        header,
        shown.map((p) => findingRow(p, options.platforms))
      )
    )
  }
  if (shown.length < placed.length) {
    parts.push(`${placed.length - shown.length} more not shown: see ${options.more}.`)
  }
  return parts.join('\n\n')
}
