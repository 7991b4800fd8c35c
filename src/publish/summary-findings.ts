// The findings tables of the job summary: the worst vulnerabilities, secrets, misconfigurations
// and licenses, each capped (the caller lowers the cap to stay under 1 MiB), with the platforms of
// each finding when the image has several.
import type { Finding } from '../findings/findings.js'
import { code, escapeInline, link, table } from './markdown.js'

/** What the findings tables are made from (a part of the summary's input). */
export interface FindingsView {
  /** Worst first. */
  findings?: readonly Finding[]
  /** For a multi-platform image: the platforms each finding was seen on. */
  platformsOf?: ReadonlyMap<Finding, readonly string[]>
  /** True for a multi-platform image (one JSON report per platform). */
  multiPlatform?: boolean
  sarifFile?: string
  reportFile?: string
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

/**
 * The section's rows, with the platforms of each finding before its title when the image has
 * several: one row per finding, however many platforms it is on.
 */
function withPlatforms(
  section: (typeof SECTIONS)[number],
  list: readonly Finding[],
  platformsOf: FindingsView['platformsOf']
): { header: string[]; rows: string[][] } {
  const rows = list.map(section.row)
  if (!platformsOf) return { header: section.header, rows }
  const beforeLast = <T>(cells: T[], cell: T): T[] => [
    ...cells.slice(0, -1),
    cell,
    ...cells.slice(-1)
  ]
  return {
    header: beforeLast(section.header, 'Platforms'),
    rows: rows.map((row, i) =>
      beforeLast(row, escapeInline((platformsOf.get(list[i] as Finding) ?? []).join(', '), 200))
    )
  }
}

export function findingSections(input: FindingsView, cap: number): string[] {
  const findings = input.findings ?? []
  const byKind = new Map<Finding['kind'], Finding[]>()
  const counts = new Map<Finding['kind'], number>()
  for (const f of findings) {
    counts.set(f.kind, (counts.get(f.kind) ?? 0) + 1)
    const list = byKind.get(f.kind) ?? []
    if (list.length < cap) list.push(f)
    byKind.set(f.kind, list)
  }
  const reports = input.multiPlatform
    ? 'the JSON report of each platform (output `report-file`)'
    : input.reportFile && `the JSON report (${code(input.reportFile)})`
  const where = [input.sarifFile && `the SARIF (${code(input.sarifFile)})`, reports]
    .filter(Boolean)
    .join(' or ')
  const out: string[] = []
  for (const section of SECTIONS) {
    const list = byKind.get(section.kind)
    const total = counts.get(section.kind) ?? 0
    if (!list || total === 0) continue
    const shown = list.length < total ? ` (${list.length} of ${total})` : ` (${total})`
    const { header, rows } = withPlatforms(section, list, input.platformsOf)
    let md = `### ${section.heading}${shown}\n\n${table(header, rows)}`
    if (list.length < total)
      md += `\n\n${total - list.length} more not shown — see ${where || 'the SARIF or JSON report'}.`
    out.push(md)
  }
  return out
}
