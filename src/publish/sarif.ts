// SARIF 2.1.0 for GitHub code scanning, within its limits: 25,000 results per run and 10 MB
// gzip-compressed per upload. When a report is bigger, the most severe findings are kept (they
// come first) and the run says what was cut. No digest appears in a rule id, a URI or the
// category: a value that changes with every build would open a new alert for every build.
import { hash } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import type { Log } from 'sarif'
import { ByteWriter } from './byte-writer.js'
import { asFindings, stripDigest, type Finding } from '../findings/findings.js'
import { MAX_HELP_ROWS, ruleJson, sarifLevel } from './sarif-rules.js'
import type { TrivyReport } from '../trivy/report.js'

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
  /** The SARIF file as UTF-8 JSON, exactly as measured against the size limit: write this. */
  bytes: Buffer
  /** `bytes` parsed, on first access (for tests and inspection; the build itself keeps only bytes). */
  readonly log: Log
  resultCount: number
  truncated?: SarifTruncation
}

function cleanId(id: string): string {
  return id.includes('sha256:') ? id.replace(DIGEST, 'sha256') : id
}

function encodePath(path: string): string {
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
function fingerprint(ruleId: string, f: Finding): string {
  const lineKey =
    f.kind === 'secret' || f.kind === 'misconfiguration' ? String(f.startLine ?? '') : ''
  const key = `${ruleId}\0${f.pkg ?? ''}\0${f.installed ?? ''}\0${f.target}\0${f.path ?? ''}\0${lineKey}`
  return hash('sha256', key, 'hex')
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

/** The JSON text of a result's location (a location object, as code scanning reads it). */
function locationJson(uri: string, startLine: unknown, endLine: unknown): string {
  const end = endLine ? `,"endLine":${JSON.stringify(endLine)}` : ''
  return `{"physicalLocation":{"artifactLocation":{"uri":${JSON.stringify(uri)}},"region":{"startLine":${JSON.stringify(startLine)}${end}}}}`
}

interface RuleEntry {
  id: string
  index: number
  /** A result of this rule up to its level: `{"ruleId":"…","ruleIndex":n,"level":"`. */
  head: string
  /** The rule's first MAX_HELP_ROWS findings, worst first. */
  affected: Finding[]
  total: number
}

/** The rule of each of the first `kept` findings, and the rules in order of first use. */
function groupByRule(
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

/** Typical sizes of a result and a rule, to size the buffer once (a bigger log grows it). */
const RESULT_BYTES = 640
const RULE_BYTES = 2560

/**
 * The SARIF log as UTF-8 JSON, byte for byte what JSON.stringify of the log as objects would
 * give. Results and rules are written straight to bytes (see ByteWriter): on a big report no
 * object graph of 25,000 results and rules is built only to be stringified.
 */
function assemble(
  findings: readonly Finding[],
  kept: number,
  options: SarifOptions,
  truncated: SarifTruncation | undefined
): Buffer {
  const imagePath = encodePath(options.imageName) || 'image'
  // Every result points at the Dockerfile when there is one, else at the image (or a file in it).
  const dockerfile =
    options.dockerfile &&
    locationJson(encodePath(options.dockerfile.uri), Math.max(1, options.dockerfile.line), 0)
  // Without a line, a result's location depends only on its file: one text per file.
  const byPath = new Map<string | undefined, string>()
  const imageLocation = (f: Finding): string => {
    const lineless = f.startLine === undefined && !f.endLine
    let where = lineless ? byPath.get(f.path) : undefined
    if (where === undefined) {
      const inner = f.path ? encodePath(f.path) : ''
      where = locationJson(inner ? `${imagePath}/${inner}` : imagePath, f.startLine ?? 1, f.endLine)
      if (lineless) byPath.set(f.path, where)
    }
    return where
  }
  const { rules, ruleOf } = groupByRule(findings, kept)
  const outline = outlineJson(options, truncated)
  // The lists go where the empty ones are. Inside a JSON string every quote is escaped, so
  // `"rules":[]` with bare quotes can only be the key itself.
  const rulesAt = outline.indexOf('"rules":[]') + '"rules":['.length
  const resultsAt = outline.indexOf('"results":[]') + '"results":['.length
  const out = new ByteWriter(outline.length + kept * RESULT_BYTES + rules.size * RULE_BYTES)
  out.write(outline.slice(0, rulesAt))
  for (const rule of rules.values()) {
    if (rule.index > 0) out.write(',')
    out.write(ruleJson(rule.id, rule.affected, rule.total))
  }
  out.write(outline.slice(rulesAt, resultsAt))
  for (let i = 0; i < kept; i++) {
    const f = findings[i] as Finding
    const rule = ruleOf[i] as RuleEntry
    if (i > 0) out.write(',')
    // One string per result, one write: a write per part costs more than the copy it saves.
    out.write(
      `${rule.head}${sarifLevel(f.severity)}","message":{"text":${JSON.stringify(message(f))}}` +
        `,"locations":[${dockerfile ?? imageLocation(f)}]` +
        `,"partialFingerprints":{"imgsecFindingHash/v1":"${fingerprint(rule.id, f)}"}}`
    )
  }
  out.write(outline.slice(resultsAt))
  return out.bytes()
}

/** The log without rules and results, as JSON text. */
function outlineJson(options: SarifOptions, truncated: SarifTruncation | undefined): string {
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
  return JSON.stringify(log)
}

/**
 * The gzip size of `log` when it is over `max`, else 0. A log under the limit uncompressed is
 * under it compressed. A bigger one is compressed at level 1, in 1 MB slices, only until the
 * slices compressed so far plus the rest as it stands (deflate never grows data by more than its
 * block headers) are under the limit: a log just over 10 MB needs one slice. Level 1 is several
 * times faster than the default, takes a few MB of buffers instead of a copy of the log, and is
 * never smaller than the whole at the default level (level 1 finds fewer matches, and none across
 * slices), so under the limit there means under it for the upload too. Only a log near or over the
 * limit pays for the default level, whose size the caller cuts by.
 */
function gzipSizeOver(log: Buffer, max: number): number {
  if (log.length <= max) return 0
  let fast = 0
  for (let at = 0; at < log.length && fast <= max; at += GZIP_SLICE) {
    fast += gzipSync(log.subarray(at, at + GZIP_SLICE), { level: 1 }).length
    if (fast + storedSize(Math.max(0, log.length - at - GZIP_SLICE)) <= max) return 0
  }
  if (fast <= max) return 0
  const size = gzipSync(log).length
  return size <= max ? 0 : size
}

/** The most that `bytes` of any data take in a gzip stream: stored blocks of at most 64 KiB, each
 * with a 5-byte header, plus the stream's 18 bytes of header and trailer. */
function storedSize(bytes: number): number {
  return bytes + 5 * Math.ceil(bytes / 65_535) + 18
}

function sarifBuild(bytes: Buffer, resultCount: number, truncated?: SarifTruncation): SarifBuild {
  let log: Log | undefined
  return {
    bytes,
    resultCount,
    truncated,
    get log(): Log {
      return (log ??= JSON.parse(bytes.toString('utf8')) as Log)
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
    const bytes = assemble(findings, kept, options, truncated)
    const size = gzipSizeOver(bytes, maxGzip)
    if (size <= maxGzip) return sarifBuild(bytes, kept, truncated)
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
