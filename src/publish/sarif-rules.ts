// The SARIF rule of a finding id: descriptions, help in Markdown, and the `security-severity`
// that code scanning uses to rank alerts. Rules are written straight to JSON text: a report of
// 100,000 findings has up to 25,000 of them, and an object graph per rule would only be stringified.
import type { Result } from 'sarif'
import type { Severity } from '../types.js'
import type { Finding } from '../findings/findings.js'
import { clip, escapeInline, linkTo, safeUrl } from './markdown.js'

/**
 * The score for a severity when trivy has no CVSS score: trivy's own SARIF values, inside code
 * scanning's bands (critical > 9.0, high 7.0–8.9, medium 4.0–6.9, low 0.1–3.9). UNKNOWN gets the
 * lowest valid score: code scanning has no "unknown" band, and an alert must not look more
 * severe than what trivy knows.
 */
export const SEVERITY_SCORES: Record<Severity, number> = {
  CRITICAL: 9.5,
  HIGH: 8.0,
  MEDIUM: 5.5,
  LOW: 2.0,
  UNKNOWN: 0.1
}

/** `security-severity`: the CVSS score when there is one, else the severity's score; 0.1–10. */
export function securitySeverity(finding: Finding): string {
  const score = finding.cvssScore ?? SEVERITY_SCORES[finding.severity]
  return Math.min(10, Math.max(0.1, score)).toFixed(1)
}

export function sarifLevel(severity: Severity): Result.level {
  if (severity === 'CRITICAL' || severity === 'HIGH') return 'error'
  return severity === 'MEDIUM' ? 'warning' : 'note'
}

const RULE_NAMES: Record<Finding['kind'], string> = {
  vulnerability: 'Vulnerability',
  secret: 'Secret',
  misconfiguration: 'Misconfiguration',
  license: 'License'
}

/** Rows of the help table per rule: enough to act on, small enough for 25,000 rules. */
export const MAX_HELP_ROWS = 10
/** Code scanning shows shortDescription and fullDescription at the top of an alert and the help
 * below it: the description is there once, clipped (the advisory link has all of it), and the
 * help adds what to do: the affected packages and their fixed versions. 25,000 rules add up. */
const MAX_DESCRIPTION = 1200

const PACKAGE_HEADER =
  '| Package | Installed | Fixed | Severity | Where | Link |\n| --- | --- | --- | --- | --- | --- |'
const FILE_HEADER = '| File | Lines | Severity | Link |\n| --- | --- | --- | --- |'

function lines(finding: Finding): string {
  if (finding.startLine === undefined) return ''
  const end = finding.endLine ?? finding.startLine
  return end > finding.startLine ? `${finding.startLine}-${end}` : String(finding.startLine)
}

function cell(value: string | undefined): string {
  return value ? escapeInline(value, 200) : '&mdash;'
}

/**
 * The advisory link of a finding, `&mdash;` without a usable URL. The findings of a rule share one
 * id and almost always one advisory: the link is made once and reused while they do.
 */
function advisoryLinks(): (f: Finding) => string {
  let id: string | undefined
  let url: string | undefined
  let linked = ''
  return (f) => {
    if (!linked || f.id !== id || f.url !== url) {
      id = f.id
      url = f.url
      const href = safeUrl(f.url)
      linked = href ? linkTo(f.id, href) : '&mdash;'
    }
    return linked
  }
}

/** A Markdown table of the affected packages or files, one row each. */
function helpTable(
  affected: readonly Finding[],
  total: number,
  ref: (f: Finding) => string
): string {
  const first = affected[0]
  if (!first) return ''
  const packages = first.kind === 'vulnerability' || first.kind === 'license'
  let md = packages ? PACKAGE_HEADER : FILE_HEADER
  for (const f of affected) {
    md += packages
      ? `\n| ${cell(f.pkg)} | ${cell(f.installed)} | ${cell(f.fixed)} | ${f.severity} | ${cell(f.path ?? f.target)} | ${ref(f)} |`
      : `\n| ${cell(f.path ?? f.target)} | ${cell(lines(f))} | ${f.severity} | ${ref(f)} |`
  }
  const more = total - affected.length
  return more > 0 ? `${md}\n\n...and ${more} more in this image.` : md
}

const json = (text: string): string => JSON.stringify(text)

/**
 * The rule for one finding id as SARIF JSON text (a reportingDescriptor). `id` is the rule id;
 * `affected` are the findings of that id, worst first (at most MAX_HELP_ROWS are shown); the
 * worst one sets the rule's severity.
 */
export function ruleJson(id: string, affected: readonly Finding[], total: number): string {
  const worst = affected[0]
  if (!worst) throw new Error('a SARIF rule needs at least one finding')
  const shown = affected.length > MAX_HELP_ROWS ? affected.slice(0, MAX_HELP_ROWS) : affected
  const url = safeUrl(worst.url)
  const kind = RULE_NAMES[worst.kind]
  const cvss = worst.cvssScore !== undefined ? `, CVSS ${worst.cvssScore.toFixed(1)}` : ''
  const ref = advisoryLinks()
  const table = helpTable(shown, total, ref)
  // The worst finding heads the table, so its link is made already.
  const advisory = url ? `\n\nAdvisory: ${ref(worst)}` : ''
  const markdown = `**${kind} ${escapeInline(worst.id, 200)}**, ${worst.severity}${cvss}\n\n${table}${advisory}`
  const where = worst.pkg ? ` in ${worst.pkg}${worst.installed ? ` ${worst.installed}` : ''}` : ''
  const fix = worst.fixed ? `, fixed in ${worst.fixed}` : ''
  const text = `${kind} ${worst.id} (${worst.severity})${where}${fix}: ${worst.title}${url ? `\n${url}` : ''}`
  let tags = `["${worst.kind}","security","${worst.severity}"`
  for (const cwe of worst.cwes ?? []) {
    const n = /^CWE-(\d+)$/i.exec(cwe)?.[1]
    if (n) tags += `,"external/cwe/cwe-${n}"`
  }
  // Secrets are pattern matches and can be false positives; the others are exact lookups.
  const precision = worst.kind === 'secret' ? 'high' : 'very-high'
  return (
    `{"id":${json(id)},"name":"${kind}"` +
    `,"shortDescription":{"text":${json(clip(worst.title, 1000))}}` +
    `,"fullDescription":{"text":${json(clip(worst.description ?? worst.title, MAX_DESCRIPTION))}}` +
    (url ? `,"helpUri":${json(url)}` : '') +
    `,"help":{"text":${json(clip(text, 4000))},"markdown":${json(markdown)}}` +
    `,"defaultConfiguration":{"level":"${sarifLevel(worst.severity)}"}` +
    `,"properties":{"security-severity":"${securitySeverity(worst)}","precision":"${precision}","tags":${tags}]}}`
  )
}
