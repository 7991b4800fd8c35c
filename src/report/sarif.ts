// SARIF 2.1.0 for GitHub code scanning, within its limits: 25,000 results per run and 10 MB
// gzip-compressed per upload. When a report is bigger, the most severe findings are kept (they
// come first) and the run says what was cut. No digest appears in a rule id, a URI or the
// category: a value that changes with every build would open a new alert for every build.
import { hash } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import type { Log } from 'sarif'
import { asFindings, stripDigest, type Finding } from './findings.js'
import { MAX_HELP_ROWS, ruleJson, sarifLevel } from './sarif-rules.js'
import type { TrivyReport } from './trivy-report.js'

export const MAX_SARIF_RESULTS = 25_000
/** GitHub's limit is 10 MB of gzip; keep a margin for the upload's own compression level. */
export const MAX_SARIF_GZIP_BYTES = 10_000_000
const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json'
const DIGEST = /sha256:[a-f0-9]{64}/gi
/** Characters compressed at a time by the fast size check: a few MB of buffers, not the log's size. */
const GZIP_SLICE = 1 << 20
/** Results or rules per chunk of the SARIF text (see JsonList): about 30 KB. */
const LIST_CHUNK = 64

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

/**
 * The items of a JSON list as text, comma-separated, in flat chunks of LIST_CHUNK items. Each item
 * is built from many small strings; joining them while they are young lets the collector drop the
 * pieces instead of copying them out of the young generation (about 15% of the SARIF's time on a
 * report of 10,000 findings).
 */
class JsonList {
  private readonly done: string[] = []
  private batch: string[] = []
  private count = 0

  add(item: string): void {
    this.batch.push(this.count++ ? ',' + item : item)
    if (this.batch.length === LIST_CHUNK) this.flush()
  }

  chunks(): string[] {
    this.flush()
    return this.done
  }

  private flush(): void {
    if (this.batch.length > 0) this.done.push(this.batch.join(''))
    this.batch = []
  }
}

/**
 * The SARIF log as JSON text, byte for byte what JSON.stringify of the log as objects would give.
 * Results and rules are written straight to text and joined once: on a big report no object
 * graph of 25,000 results and rules is built only to be stringified.
 */
function assemble(
  findings: readonly Finding[],
  kept: number,
  options: SarifOptions,
  truncated: SarifTruncation | undefined
): string {
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
  const byRule = new Map<
    string,
    { index: number; quoted: string; affected: Finding[]; total: number }
  >()
  const results = new JsonList()
  for (let i = 0; i < kept; i++) {
    const f = findings[i] as Finding
    const ruleId = cleanId(f.id)
    let rule = byRule.get(ruleId)
    if (!rule) {
      rule = { index: byRule.size, quoted: JSON.stringify(ruleId), affected: [], total: 0 }
      byRule.set(ruleId, rule)
    }
    rule.total++
    if (rule.affected.length < MAX_HELP_ROWS) rule.affected.push(f)
    const where = dockerfile ?? imageLocation(f)
    results.add(
      `{"ruleId":${rule.quoted},"ruleIndex":${rule.index},"level":"${sarifLevel(f.severity)}"` +
        `,"message":{"text":${JSON.stringify(message(f))}},"locations":[${where}]` +
        `,"partialFingerprints":{"imgsecFindingHash/v1":"${fingerprint(ruleId, f)}"}}`
    )
  }
  const rules = new JsonList()
  for (const [id, rule] of byRule) {
    rules.add(ruleJson(id, rule.affected, rule.total))
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
  // The lists go where the empty ones are, in one join. Inside a JSON string every quote is
  // escaped, so `"rules":[]` with bare quotes can only be the key itself.
  const outline = JSON.stringify(log)
  const rulesAt = outline.indexOf('"rules":[]') + '"rules":['.length
  const resultsAt = outline.indexOf('"results":[]') + '"results":['.length
  return [
    outline.slice(0, rulesAt),
    ...rules.chunks(),
    outline.slice(rulesAt, resultsAt),
    ...results.chunks(),
    outline.slice(resultsAt)
  ].join('')
}

/**
 * The gzip size of `json` when it is over `max`, else 0. A log under the limit uncompressed is
 * under it compressed. A bigger one is compressed at level 1, in 1 MB slices, only until the
 * slices compressed so far plus the rest as it stands (deflate never grows data by more than its
 * block headers) are under the limit: a log just over 10 MB needs one slice. Level 1 is several
 * times faster than the default, takes a few MB of buffers instead of a copy of the log, and is
 * never smaller than the whole at the default level (level 1 finds fewer matches, and none across
 * slices), so under the limit there means under it for the upload too. Only a log near or over the
 * limit pays for the default level, whose size the caller cuts by.
 */
function gzipSizeOver(json: string, max: number): number {
  const bytes = Buffer.byteLength(json)
  if (bytes <= max) return 0
  let fast = 0
  let rest = bytes
  for (let at = 0; at < json.length && fast <= max; at += GZIP_SLICE) {
    const slice = json.slice(at, at + GZIP_SLICE)
    fast += gzipSync(slice, { level: 1 }).length
    rest -= Buffer.byteLength(slice)
    if (fast + storedSize(rest) <= max) return 0
  }
  if (fast <= max) return 0
  const size = gzipSync(json).length
  return size <= max ? 0 : size
}

/** The most that `bytes` of any data take in a gzip stream: stored blocks of at most 64 KiB, each
 * with a 5-byte header, plus the stream's 18 bytes of header and trailer. */
function storedSize(bytes: number): number {
  return bytes + 5 * Math.ceil(bytes / 65_535) + 18
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
