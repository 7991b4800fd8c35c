// One flat, sorted list of everything trivy reported, the shape every report is built from.
// It runs on reports of 100,000 findings: findings point at the report's own strings (no copies)
// and the sort compares precomputed numbers first.
import { SEVERITIES, type Severity } from '../types.js'
import type { TrivyReport, TrivyResult, TrivyVulnerability } from '../trivy/report.js'

export type FindingKind = 'vulnerability' | 'secret' | 'misconfiguration' | 'license'

export interface Finding {
  kind: FindingKind
  /** CVE/GHSA id, secret rule id, misconfiguration id (AVD-…/KSV-…) or license name. */
  id: string
  severity: Severity
  /** trivy's Target with any `@sha256:…` removed, so that it is stable from one build to the next. */
  target: string
  /** Package name (vulnerabilities and licenses). */
  pkg?: string
  /** Where the package or file sits in the image: a jar, a lock file, a secret's file. */
  path?: string
  installed?: string
  fixed?: string
  /** trivy's vulnerability status (`fixed`, `affected`, `will_not_fix`…). */
  status?: string
  title: string
  description?: string
  url?: string
  /** CWE ids of a vulnerability (`CWE-79`), shared with the report, not copied. */
  cwes?: string[]
  /** CVSS v3 base score: the severity source's, else NVD's, else the highest of any vendor. */
  cvssScore?: number
  /** A vulnerability with a fixed version to upgrade to. */
  fixable: boolean
  /** First line of a secret or misconfiguration in its file. */
  startLine?: number
  endLine?: number
}

const SEVERITY_RANK: Record<string, number> = Object.fromEntries(SEVERITIES.map((s, i) => [s, i]))

/** 0 for CRITICAL … 4 for UNKNOWN: lower is worse. */
export function severityRank(severity: Severity): number {
  return SEVERITY_RANK[severity] ?? SEVERITIES.length - 1
}

/** trivy's severity string as a Severity; anything unexpected is UNKNOWN rather than an error. */
export function toSeverity(value: unknown): Severity {
  if (typeof value !== 'string') return 'UNKNOWN'
  const upper = value.toUpperCase()
  return upper in SEVERITY_RANK ? (upper as Severity) : 'UNKNOWN'
}

const DIGEST_SUFFIX = /@sha256:[a-f0-9]{64}/gi

/** Removes `@sha256:<hex>` from a reference or target: digests change with every build. */
export function stripDigest(text: string): string {
  return text.includes('@sha256:') ? text.replace(DIGEST_SUFFIX, '') : text
}

/**
 * The CVSS v3 score that matches trivy's severity: the vendor trivy took the severity from
 * (SeveritySource) first, so the score and the severity tell the same story; then NVD; then the
 * highest score of any vendor.
 */
export function cvssScore(vuln: TrivyVulnerability): number | undefined {
  const cvss = vuln.CVSS
  if (!cvss || typeof cvss !== 'object') return undefined
  const score = (vendor: string | undefined): number | undefined => {
    const value = vendor === undefined ? undefined : cvss[vendor]?.V3Score
    return typeof value === 'number' && value > 0 ? value : undefined
  }
  const preferred = score(vuln.SeveritySource) ?? score('nvd')
  if (preferred !== undefined) return preferred
  let highest: number | undefined
  for (const vendor of Object.keys(cvss)) {
    const value = score(vendor)
    if (value !== undefined && (highest === undefined || value > highest)) highest = value
  }
  return highest
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

/**
 * The longest a string from the image may be once collected. Package names, versions, paths,
 * licence names and secret titles come from files inside the scanned image, which its author
 * controls: ten 3 MiB package names made a 36 MiB log and an 839 MB SARIF before these limits.
 * Clipped here, once, so that every report (log, summary, annotations, SARIF) sees the short form.
 */
export const MAX_LENGTH = { name: 256, path: 1024, title: 512, description: 16_384 } as const

/** `value` cut to `max` characters, the cut marked with `...` (ASCII: see publish/markdown.ts clip). */
export function clipped(value: string, max: number): string {
  return value.length > max ? value.slice(0, max - 3) + '...' : value
}

/** A non-empty string from the report, clipped to `max`; undefined for anything else. */
function field(value: unknown, max: number): string | undefined {
  const text = nonEmpty(value)
  return text === undefined ? undefined : clipped(text, max)
}

const name = (value: unknown): string | undefined => field(value, MAX_LENGTH.name)
const path = (value: unknown): string | undefined => field(value, MAX_LENGTH.path)
const title = (value: unknown): string | undefined => field(value, MAX_LENGTH.title)
const description = (value: unknown): string | undefined => field(value, MAX_LENGTH.description)
/** An id that must be there (a CVE id, a rule id, a licence name), clipped like a name. */
const id = (value: unknown): string => clipped(String(value), MAX_LENGTH.name)

/** A title for an advisory that has none (many distro advisories): its first sentence, short. */
function headline(description: unknown): string | undefined {
  const text = nonEmpty(description)
  if (text === undefined) return undefined
  const end = text.search(/\.\s/)
  const sentence = end > 0 && end < 160 ? text.slice(0, end) : text
  return sentence.length > 160 ? sentence.slice(0, 157).trimEnd() + '...' : sentence
}

/** Where a result's findings sit: its target, and for a language result the file packages came from. */
interface ResultPlace {
  target: string
  langFile?: string
}

function vulnerabilities(result: TrivyResult, place: ResultPlace, out: Finding[]): void {
  const { target, langFile } = place
  for (const v of result.Vulnerabilities ?? []) {
    const fixed = name(v.FixedVersion)
    out.push({
      kind: 'vulnerability',
      id: id(v.VulnerabilityID),
      severity: toSeverity(v.Severity),
      target,
      pkg: name(v.PkgName),
      path: path(v.PkgPath) ?? langFile,
      installed: name(v.InstalledVersion),
      fixed,
      status: name(v.Status),
      title: title(v.Title) ?? headline(v.Description) ?? id(v.VulnerabilityID),
      description: description(v.Description),
      url: path(nonEmpty(v.PrimaryURL) ?? v.References?.find((r) => typeof r === 'string')),
      cwes: Array.isArray(v.CweIDs) && v.CweIDs.length > 0 ? v.CweIDs : undefined,
      cvssScore: cvssScore(v),
      fixable: fixed !== undefined
    })
  }
}

function secrets(result: TrivyResult, { target }: ResultPlace, out: Finding[]): void {
  for (const s of result.Secrets ?? []) {
    out.push({
      kind: 'secret',
      id: id(s.RuleID),
      severity: toSeverity(s.Severity),
      target,
      path: target,
      title: title(s.Title) ?? id(s.RuleID),
      description: name(s.Category) ? `Secret of category ${name(s.Category)}` : undefined,
      fixable: false,
      startLine: typeof s.StartLine === 'number' ? s.StartLine : undefined,
      endLine: typeof s.EndLine === 'number' ? s.EndLine : undefined
    })
  }
}

function misconfigurations(result: TrivyResult, { target }: ResultPlace, out: Finding[]): void {
  for (const m of result.Misconfigurations ?? []) {
    // PASS and EXCEPTION entries only appear with --include-non-failures: they are not findings.
    if (m.Status === 'PASS' || m.Status === 'EXCEPTION') continue
    out.push({
      kind: 'misconfiguration',
      id: name(m.ID) ?? id(m.AVDID),
      severity: toSeverity(m.Severity),
      target,
      path: target,
      title: title(m.Title) ?? id(m.ID),
      description: description(
        [m.Message, m.Resolution && `Resolution: ${m.Resolution}`, m.Description]
          .filter((part) => nonEmpty(part))
          .join('\n\n')
      ),
      url: path(m.PrimaryURL),
      fixable: false,
      startLine: m.CauseMetadata?.StartLine || undefined,
      endLine: m.CauseMetadata?.EndLine || undefined
    })
  }
}

function licenses(result: TrivyResult, { target }: ResultPlace, out: Finding[]): void {
  for (const l of result.Licenses ?? []) {
    const licence = id(l.Name)
    const where = name(l.PkgName) ?? path(l.FilePath) ?? target
    out.push({
      kind: 'license',
      id: licence,
      severity: toSeverity(l.Severity),
      target,
      pkg: name(l.PkgName),
      path: path(l.FilePath),
      title: `${name(l.Category) ?? 'unknown'} license ${licence} in ${where}`,
      url: path(l.Link),
      fixable: false
    })
  }
}

/** One result's findings of every kind, in the order trivy lists the kinds. */
function collect(result: TrivyResult, out: Finding[]): void {
  const target = clipped(stripDigest(String(result.Target)), MAX_LENGTH.path)
  // A language result's target is the lock file or manifest the packages came from.
  const place = { target, langFile: result.Class === 'lang-pkgs' ? target : undefined }
  vulnerabilities(result, place, out)
  secrets(result, place, out)
  misconfigurations(result, place, out)
  licenses(result, place, out)
}

/** Worst first: severity, then CVSS score, then fixable before unfixable, then id, package, target. */
export function compareFindings(a: Finding, b: Finding): number {
  return severityRank(a.severity) - severityRank(b.severity) || compareSameSeverity(a, b)
}

function compareSameSeverity(a: Finding, b: Finding): number {
  return (
    (b.cvssScore ?? -1) - (a.cvssScore ?? -1) ||
    Number(b.fixable) - Number(a.fixable) ||
    compareText(a.id, b.id) ||
    compareText(a.pkg ?? '', b.pkg ?? '') ||
    compareText(a.target, b.target)
  )
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Every finding of every result, worst first. Keeps everything trivy reported (it already
 * applied --ignore-unfixed, the ignore file and VEX). Sorted per severity, then concatenated:
 * the same order as compareFindings, with fewer and cheaper comparisons. */
export function collectFindings(report: TrivyReport): Finding[] {
  const findings: Finding[] = []
  for (const result of report.Results ?? []) collect(result, findings)
  return sortWorstFirst(findings)
}

/** Sorts in place, per severity then concatenated: compareFindings' order, cheaper. */
function sortWorstFirst(findings: Finding[]): Finding[] {
  const bySeverity: Finding[][] = SEVERITIES.map(() => [])
  for (const finding of findings) bySeverity[severityRank(finding.severity)]?.push(finding)
  findings.length = 0
  for (const group of bySeverity) {
    group.sort(compareSameSeverity)
    for (const finding of group) findings.push(finding)
  }
  return findings
}

/** Findings as given, or collected from a report: the reports accept either. */
export function asFindings(input: readonly Finding[] | TrivyReport): readonly Finding[] {
  return 'SchemaVersion' in input ? collectFindings(input) : input
}

/**
 * What makes two findings the same across platform images: the same id in the same package
 * version at the same place. The target is left out: it names the platform image's digest.
 */
export function findingKey(finding: Finding): string {
  const { kind, id, pkg, installed, path } = finding
  return `${kind}\u0000${id}\u0000${pkg ?? ''}\u0000${installed ?? ''}\u0000${path ?? ''}`
}

/** The findings of several platform images, each once (first seen wins), worst first. */
export function distinctFindings(lists: readonly (readonly Finding[])[]): Finding[] {
  if (lists.length === 1) return [...(lists[0] ?? [])]
  const seen = new Map<string, Finding>()
  for (const list of lists) {
    for (const finding of list) {
      const key = findingKey(finding)
      if (!seen.has(key)) seen.set(key, finding)
    }
  }
  return sortWorstFirst([...seen.values()])
}
