// SARIF 2.1.0 for GitHub code scanning, within its limits: 25,000 results per run and 10 MB
// gzip-compressed per upload. When a report is bigger, the most severe findings are kept (they
// come first) and the run says what was cut. No digest appears in a rule id, a URI or the
// category: a value that changes with every build would open a new alert for every build.
import { createHash } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import type { Location, Log, ReportingDescriptor, Result } from 'sarif'
import { asFindings, stripDigest, type Finding } from './findings.js'
import { buildRule, sarifLevel } from './sarif-rules.js'
import type { TrivyReport } from './trivy-report.js'

export const MAX_SARIF_RESULTS = 25_000
/** GitHub's limit is 10 MB of gzip; keep a margin for the upload's own compression level. */
export const MAX_SARIF_GZIP_BYTES = 10_000_000
const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json'
const DIGEST = /sha256:[a-f0-9]{64}/gi
/** Characters compressed at a time by the fast size check: a few MB of buffers, not the log's size. */
const GZIP_SLICE = 1 << 20

export interface SarifOptions {
  /** trivy's version, as reported by the installed binary. */
  toolVersion: string
  /** The code-scanning category (the `sarif-category` input or its default); becomes `<category>/`. */
  category: string
  /** `registry/repository` without digest (a digest is removed anyway). */
  imageName: string
  /** Where results point when a Dockerfile is given: its workspace-relative path (forward
   * slashes) and the line of the final stage's FROM. */
  dockerfile?: { uri: string; line: number }
  /** Limits, lowered by tests. */
  maxResults?: number
  maxGzipBytes?: number
}

export interface SarifTruncation {
  total: number
  kept: number
  reason: string
}

export interface SarifBuild {
  /** The SARIF file's text, exactly as measured against the size limit: write this. */
  json: string
  /** `json` parsed, on first access (for tests and inspection; the build itself keeps only text). */
  readonly log: Log
  resultCount: number
  truncated?: SarifTruncation
}

function cleanId(id: string): string {
  return id.includes('sha256:') ? id.replace(DIGEST, 'sha256') : id
}

function encodePath(path: string): string {
  return stripDigest(path)
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.' && segment !== '..')
    .map((segment) => encodeURIComponent(segment))
    .join('/')
}

/** Stable across builds: what is affected, not where this build's digest put it. */
function fingerprint(ruleId: string, f: Finding): string {
  const lineKey =
    f.kind === 'secret' || f.kind === 'misconfiguration' ? String(f.startLine ?? '') : ''
  const key = [ruleId, f.pkg ?? '', f.installed ?? '', f.target, f.path ?? '', lineKey].join('\0')
  return createHash('sha256').update(key).digest('hex')
}

function message(f: Finding): string {
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

function location(f: Finding, options: SarifOptions, imagePath: string): Location {
  if (options.dockerfile) {
    return {
      physicalLocation: {
        artifactLocation: { uri: encodePath(options.dockerfile.uri) },
        region: { startLine: Math.max(1, options.dockerfile.line) }
      }
    }
  }
  const inner = f.path ? encodePath(f.path) : ''
  return {
    physicalLocation: {
      artifactLocation: { uri: inner ? `${imagePath}/${inner}` : imagePath },
      region: { startLine: f.startLine ?? 1, ...(f.endLine ? { endLine: f.endLine } : {}) }
    }
  }
}

/**
 * The SARIF log as JSON text, byte for byte what JSON.stringify of the whole log gives. Each result
 * and rule is serialised as soon as it is built, so only its text outlives it: on a big report the
 * object graph of 25,000 results and rules never piles up in the old generation.
 */
function assemble(
  findings: readonly Finding[],
  kept: number,
  options: SarifOptions,
  truncated: SarifTruncation | undefined
): string {
  const imagePath = encodePath(options.imageName) || 'image'
  const byRule = new Map<string, { index: number; affected: Finding[]; total: number }>()
  const results: string[] = []
  for (let i = 0; i < kept; i++) {
    const f = findings[i] as Finding
    const ruleId = cleanId(f.id)
    let rule = byRule.get(ruleId)
    if (!rule) {
      rule = { index: byRule.size, affected: [], total: 0 }
      byRule.set(ruleId, rule)
    }
    rule.total++
    if (rule.affected.length < 10) rule.affected.push(f)
    const result: Result = {
      ruleId,
      ruleIndex: rule.index,
      level: sarifLevel(f.severity),
      message: { text: message(f) },
      locations: [location(f, options, imagePath)],
      partialFingerprints: { 'imgsecFindingHash/v1': fingerprint(ruleId, f) }
    }
    results.push(JSON.stringify(result))
  }
  const rules: string[] = []
  for (const [id, rule] of byRule) {
    const descriptor: ReportingDescriptor = { ...buildRule(rule.affected, rule.total), id }
    rules.push(JSON.stringify(descriptor))
  }
  const category = options.category.replace(DIGEST, '').replace(/\/+$/, '')
  const log: Log = {
    version: '2.1.0',
    $schema: SARIF_SCHEMA,
    runs: [
      {
        tool: {
          driver: {
            name: 'Trivy',
            fullName: 'Trivy (via imgsec-action)',
            version: options.toolVersion.replace(/^v/, ''),
            informationUri: 'https://github.com/aquasecurity/trivy',
            rules: []
          }
        },
        automationDetails: { id: `${category}/` },
        columnKind: 'utf16CodeUnits',
        results: [],
        properties: {
          imageName: stripDigest(options.imageName),
          ...(truncated ? { imgsec: { truncated: true, ...truncated } } : {})
        }
      }
    ]
  }
  // The serialised lists go where the empty ones are. Inside a JSON string every quote is escaped,
  // so `"rules":[]` with bare quotes can only be the key itself.
  return fill(fill(JSON.stringify(log), '"rules":[]', rules), '"results":[]', results)
}

function fill(json: string, emptyList: string, items: string[]): string {
  const at = json.indexOf(emptyList)
  const open = at + emptyList.length - 1
  return json.slice(0, open) + items.join(',') + json.slice(open)
}

/**
 * The gzip size of `json` when it is over `max`, else 0. A log under the limit uncompressed is
 * under it compressed. A bigger one is first compressed at level 1, in 1 MB slices: several times
 * faster than the default level, a few MB of buffers instead of a copy of the log, and never
 * smaller than the whole at the default level (level 1 finds fewer matches, and none across
 * slices), so under the limit there means under it for the upload too. Only a log near or over
 * the limit pays for the default level, whose size the caller cuts by.
 */
function gzipSizeOver(json: string, max: number): number {
  if (Buffer.byteLength(json) <= max) return 0
  let fast = 0
  for (let at = 0; at < json.length && fast <= max; at += GZIP_SLICE) {
    fast += gzipSync(json.slice(at, at + GZIP_SLICE), { level: 1 }).length
  }
  if (fast <= max) return 0
  const size = gzipSync(json).length
  return size <= max ? 0 : size
}

function sarifBuild(json: string, resultCount: number, truncated?: SarifTruncation): SarifBuild {
  let log: Log | undefined
  return {
    json,
    resultCount,
    truncated,
    get log(): Log {
      return (log ??= JSON.parse(json) as Log)
    }
  }
}

/**
 * Builds the SARIF log. The common case serialises once and compresses nothing or once, fast (see
 * gzipSizeOver); a log over the limit is cut by the measured ratio and checked again.
 */
export function buildSarif(
  input: readonly Finding[] | TrivyReport,
  options: SarifOptions
): SarifBuild {
  const findings = asFindings(input)
  const maxResults = options.maxResults ?? MAX_SARIF_RESULTS
  const maxGzip = options.maxGzipBytes ?? MAX_SARIF_GZIP_BYTES
  const total = findings.length
  let kept = Math.min(total, maxResults)
  let reason = kept < total ? `GitHub accepts at most ${maxResults} results per run` : ''
  for (;;) {
    const truncated = kept < total ? { total, kept, reason } : undefined
    const json = assemble(findings, kept, options, truncated)
    const size = gzipSizeOver(json, maxGzip)
    if (size <= maxGzip) return sarifBuild(json, kept, truncated)
    if (kept === 0) {
      throw new Error(
        `The SARIF log without results is ${size} bytes gzip-compressed, over GitHub's limit of ${maxGzip}`
      )
    }
    // Results dominate the size: scale them by the overshoot, with a margin so one cut suffices.
    kept = Math.min(kept - 1, Math.floor((kept * maxGzip * 0.9) / size))
    reason = `the gzip-compressed SARIF would exceed GitHub's ${maxGzip / 1e6} MB upload limit`
  }
}
