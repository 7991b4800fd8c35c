// The results of a SARIF run as JSON text (rule grouping, messages, locations, fingerprints) and
// the category of each run. Nothing here may carry an image digest: it changes with every build,
// and an alert keyed on it would be a new alert every time.
import { hash } from 'node:crypto'
import { stripDigest, type Finding } from '../findings/findings.js'
import { MAX_HELP_ROWS } from './sarif-rules.js'

const DIGEST = /sha256:[a-f0-9]{64}/gi

export function cleanId(id: string): string {
  return id.includes('sha256:') ? id.replace(DIGEST, 'sha256') : id
}

export function encodePath(path: string): string {
  return (
    stripDigest(path)
      .split('/')
      .filter((segment) => segment !== '' && segment !== '.' && segment !== '..')
      // A lone surrogate (a name cut mid-character) would make encodeURIComponent throw.
      .map((segment) => encodeURIComponent(segment.toWellFormed()))
      .join('/')
  )
}

/** Stable across builds: what is affected, not where this build's digest put it. */
export function fingerprint(ruleId: string, f: Finding): string {
  const lineKey =
    f.kind === 'secret' || f.kind === 'misconfiguration' ? String(f.startLine ?? '') : ''
  const key = `${ruleId}\0${f.pkg ?? ''}\0${f.installed ?? ''}\0${f.target}\0${f.path ?? ''}\0${lineKey}`
  return hash('sha256', key, 'hex')
}

export function message(f: Finding): string {
  const score = f.cvssScore !== undefined ? `, CVSS ${f.cvssScore.toFixed(1)}` : ''
  const head = `${f.id} (${f.severity}${score})`
  const where = f.path ?? f.target
  const at = f.startLine !== undefined ? ` line ${f.startLine}` : ''
  switch (f.kind) {
    case 'vulnerability': {
      const fix = f.fixed
        ? `fixed in ${f.fixed}`
        : `no fixed version${f.status ? ` (${f.status})` : ''}`
      return `${head} in ${f.pkg ?? '?'} ${f.installed ?? ''}, ${fix}: ${f.title}\nTarget: ${where}`
    }
    case 'license':
      return `${head}: ${f.title}`
    default:
      return `${head}: ${f.title}\nFile in the image: ${where}${at}`
  }
}

/** The JSON text of a result's location (a location object, as code scanning reads it). */
export function locationJson(uri: string, startLine: unknown, endLine: unknown): string {
  const end = endLine ? `,"endLine":${JSON.stringify(endLine)}` : ''
  return `{"physicalLocation":{"artifactLocation":{"uri":${JSON.stringify(uri)}},"region":{"startLine":${JSON.stringify(startLine)}${end}}}}`
}

export interface RuleEntry {
  id: string
  index: number
  /** A result of this rule up to its level: `{"ruleId":"…","ruleIndex":n,"level":"`. */
  head: string
  /** The rule's first MAX_HELP_ROWS findings, worst first. */
  affected: Finding[]
  total: number
}

/** The rule of each of the first `kept` findings, and the rules in order of first use. */
export function groupByRule(
  findings: readonly Finding[],
  kept: number
): { rules: Map<string, RuleEntry>; ruleOf: RuleEntry[] } {
  const rules = new Map<string, RuleEntry>()
  const ruleOf: RuleEntry[] = []
  for (let i = 0; i < kept; i++) {
    const f = findings[i] as Finding
    const id = cleanId(f.id)
    let rule = rules.get(id)
    if (!rule) {
      const index = rules.size
      const head = `{"ruleId":${JSON.stringify(id)},"ruleIndex":${index},"level":"`
      rule = { id, index, head, affected: [], total: 0 }
      rules.set(id, rule)
    }
    rule.total++
    if (rule.affected.length < MAX_HELP_ROWS) rule.affected.push(f)
    ruleOf.push(rule)
  }
  return { rules, ruleOf }
}

/** The category as given, without a digest or trailing slashes. */
export function baseCategory(category: string): string {
  return category.replace(DIGEST, '').replace(/\/+$/, '')
}

/** `linux/arm/v7` as one path segment of a category: `linux-arm-v7`. */
export function platformSlug(platform: string): string {
  const slug = platform
    .replace(DIGEST, '')
    .toLowerCase()
    .replace(/[^a-z0-9._]+/g, '-')
    .replace(/^-+|-+$/g, '')
  return slug || 'unknown'
}

/** Each run's category: the base, and for a platform its slug, never the same twice in a file. */
export function runCategories(runs: ReadonlyArray<{ platform?: string }>, base: string): string[] {
  const used = new Set<string>()
  return runs.map((run) => {
    const stem = run.platform === undefined ? base : `${base}/${platformSlug(run.platform)}`
    let category = stem
    for (let n = 2; used.has(category); n++) category = `${stem}-${n}`
    used.add(category)
    return category
  })
}
