// SARIF 2.1.0 for GitHub code scanning, within its limits: 20 runs per file, 25,000 results per
// run and 10 MB gzip-compressed per upload. One run per platform image, each with a category of its
// own (GitHub refuses two runs of one category in a file). When a report is bigger, the most severe
// findings are kept (they come first) and the run says what was cut. No digest appears in a rule
// id, a URI or the category: a value that changes with every build would open a new alert for
// every build.
import type { Log, Run } from 'sarif'
import { ByteWriter } from './byte-writer.js'
import { asFindings, stripDigest, type Finding } from '../findings/findings.js'
import { ruleJson, sarifLevel } from './sarif-rules.js'
import {
  baseCategory,
  encodePath,
  fingerprint,
  groupByRule,
  locationJson,
  message,
  runCategories,
  type RuleEntry
} from './sarif-results.js'
import { gzipSizeOver } from './sarif-size.js'
import type { TrivyReport } from '../trivy/report.js'

export const MAX_SARIF_RESULTS = 25_000
/** GitHub rejects a SARIF file with more runs than this. */
export const MAX_SARIF_RUNS = 20
/** GitHub's limit is 10 MB of gzip; keep a margin for the upload's own compression level. */
export const MAX_SARIF_GZIP_BYTES = 10_000_000
const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json'

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

/** The findings of one run: one platform image's, or the image's when it has one platform. */
export interface SarifRunInput {
  /**
   * `os/arch[/variant]` of a platform image of an index: the run's category becomes
   * `<category>/<os>-<arch>[-<variant>]`. Absent: the category as given.
   */
  platform?: string
  /** Worst first. */
  findings: readonly Finding[]
}

/** What one run of the log holds. */
export interface SarifRunSummary {
  /** The run's category (`automationDetails.id` without its trailing `/`). */
  category: string
  platform?: string
  resultCount: number
  truncated?: SarifTruncation
}

export interface SarifBuild {
  /** The SARIF file as UTF-8 JSON, exactly as measured against the size limit: write this. */
  bytes: Buffer
  /** `bytes` parsed, on first access (for tests and inspection; the build itself keeps only bytes). */
  readonly log: Log
  /** Results in all runs. */
  resultCount: number
  /** What was cut, over all runs (each run's own is in `runs`). */
  truncated?: SarifTruncation
  runs: SarifRunSummary[]
  /** Platforms beyond MAX_SARIF_RUNS: no run of theirs is in the log. */
  omittedPlatforms?: string[]
}

/** Typical sizes of a result and a rule, to size the buffer once (a bigger log grows it). */
const RESULT_BYTES = 640
const RULE_BYTES = 2560

/** One run as the log is assembled: its findings, how many are kept, and its category. */
interface RunPlan {
  findings: readonly Finding[]
  kept: number
  category: string
  platform?: string
  truncated?: SarifTruncation
}

/**
 * The SARIF log as UTF-8 JSON, byte for byte what JSON.stringify of the log as objects would
 * give. Results and rules are written straight to bytes (see ByteWriter): on a big report no
 * object graph of 25,000 results and rules is built only to be stringified.
 */
function assemble(runs: readonly RunPlan[], options: SarifOptions): Buffer {
  const grouped = runs.map((run) => groupByRule(run.findings, run.kept))
  const expected = runs.reduce(
    (n, run, i) => n + 4096 + run.kept * RESULT_BYTES + (grouped[i]?.rules.size ?? 0) * RULE_BYTES,
    0
  )
  const out = new ByteWriter(expected)
  out.write(`{"version":"2.1.0","$schema":${JSON.stringify(SARIF_SCHEMA)},"runs":[`)
  runs.forEach((run, i) => {
    if (i > 0) out.write(',')
    writeRun(out, run, grouped[i] as ReturnType<typeof groupByRule>, options)
  })
  out.write(']}')
  return out.bytes()
}

function writeRun(
  out: ByteWriter,
  run: RunPlan,
  { rules, ruleOf }: ReturnType<typeof groupByRule>,
  options: SarifOptions
): void {
  const { findings, kept } = run
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
  const outline = outlineJson(options, run)
  // The lists go where the empty ones are. Inside a JSON string every quote is escaped, so
  // `"rules":[]` with bare quotes can only be the key itself.
  const rulesAt = outline.indexOf('"rules":[]') + '"rules":['.length
  const resultsAt = outline.indexOf('"results":[]') + '"results":['.length
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
}

/** One run without rules and results, as JSON text. */
function outlineJson(options: SarifOptions, run: RunPlan): string {
  const { truncated, platform } = run
  const outline: Run = {
    tool: {
      driver: {
        name: 'Trivy',
        fullName: 'Trivy (via imgsec-action)',
        version: options.toolVersion.replace(/^v/, ''),
        informationUri: 'https://github.com/aquasecurity/trivy',
        rules: []
      }
    },
    // The category is what comes before the last `/`: the trailing one keeps it whole.
    automationDetails: { id: `${run.category}/` },
    columnKind: 'utf16CodeUnits',
    results: [],
    properties: {
      imageName: stripDigest(options.imageName),
      ...(platform !== undefined ? { platform } : {}),
      ...(truncated ? { imgsec: { truncated: true, ...truncated } } : {})
    }
  }
  return JSON.stringify(outline)
}

function sarifBuild(bytes: Buffer, runs: readonly RunPlan[], omitted: string[]): SarifBuild {
  let log: Log | undefined
  const summaries = runs.map(({ category, platform, kept, truncated }) => ({
    category,
    ...(platform !== undefined ? { platform } : {}),
    resultCount: kept,
    truncated
  }))
  const cut = runs.filter((run) => run.truncated)
  const total = (key: 'kept' | 'total'): number =>
    runs.reduce((n, run) => n + (key === 'kept' ? run.kept : run.findings.length), 0)
  return {
    bytes,
    resultCount: total('kept'),
    truncated:
      cut.length > 0
        ? { total: total('total'), kept: total('kept'), reason: cut[0]?.truncated?.reason ?? '' }
        : undefined,
    runs: summaries,
    ...(omitted.length > 0 ? { omittedPlatforms: omitted } : {}),
    get log(): Log {
      return (log ??= JSON.parse(bytes.toString('utf8')) as Log)
    }
  }
}

/** Builds the SARIF log of one image (one run) from its findings or its report. */
export function buildSarif(
  input: readonly Finding[] | TrivyReport,
  options: SarifOptions
): SarifBuild {
  return buildSarifRuns([{ findings: asFindings(input) }], options)
}

/**
 * Builds the SARIF log with one run per input (a platform image each), the first MAX_SARIF_RUNS
 * of them. The common case serialises once and compresses nothing or once, fast (see
 * gzipSizeOver); a log over the limit is cut by the measured ratio, every run alike, and checked
 * again.
 */
export function buildSarifRuns(
  inputs: readonly SarifRunInput[],
  options: SarifOptions
): SarifBuild {
  const maxResults = options.maxResults ?? MAX_SARIF_RESULTS
  const maxGzip = options.maxGzipBytes ?? MAX_SARIF_GZIP_BYTES
  const included = inputs.slice(0, MAX_SARIF_RUNS)
  const omitted = inputs.slice(MAX_SARIF_RUNS).map((run) => run.platform ?? 'image')
  const categories = runCategories(included, baseCategory(options.category))
  let reason = `GitHub accepts at most ${maxResults} results per run`
  const runs: RunPlan[] = included.map((run, i) => ({
    findings: run.findings,
    kept: Math.min(run.findings.length, maxResults),
    category: categories[i] as string,
    platform: run.platform
  }))
  for (;;) {
    for (const run of runs) {
      const total = run.findings.length
      run.truncated = run.kept < total ? { total, kept: run.kept, reason } : undefined
    }
    const bytes = assemble(runs, options)
    const size = gzipSizeOver(bytes, maxGzip)
    if (size <= maxGzip) return sarifBuild(bytes, runs, omitted)
    if (runs.every((run) => run.kept === 0)) {
      throw new Error(
        `The SARIF log without results is ${size} bytes gzip-compressed, over GitHub's limit of ${maxGzip}`
      )
    }
    // Results dominate the size: scale them by the overshoot, with a margin so one cut suffices.
    for (const run of runs) {
      run.kept = Math.max(0, Math.min(run.kept - 1, Math.floor((run.kept * maxGzip * 0.9) / size)))
    }
    reason = `the gzip-compressed SARIF would exceed GitHub's ${maxGzip / 1e6} MB upload limit`
  }
}
