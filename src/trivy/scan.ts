// trivy as the action runs it: pure argv/env builders (table-tested) and the runners around them.
// One `trivy image` per image writes the JSON report; every other artefact (SARIF, the cosign-vuln
// predicate) is derived from that report, so everything describes the same scan.
import * as core from '@actions/core'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ToolError } from '../errors.js'
import { parseImageRef } from '../registry/image-ref.js'
import { writeDockerConfigEntries, type RegistryAuth } from '../registry/credentials.js'
import { privateTempDir } from '../secure-fs/private-dir.js'
import { SEVERITIES, type ImageSource, type Scanner } from '../types.js'
import { parseReport, type TrivyReport } from './report.js'
import { listFlagValue } from '../tools/list-flag.js'
import { runTool, tail, type RunOptions } from '../tools/exec.js'

/** trivy's own default DB repositories since v0.58.0, in the order it tries them. */
export const DEFAULT_DB_REPOSITORIES = [
  'mirror.gcr.io/aquasec/trivy-db:2',
  'ghcr.io/aquasecurity/trivy-db:2'
]

export interface ScanOptions {
  /**
   * What trivy looks up: the pinned `repo@sha256:…` for a registry image, the name the daemon knows
   * for `docker`/`podman`. Ignored for a tarball source (its path is the target).
   */
  target: string
  source: ImageSource
  reportFile: string
  scanners: Scanner[]
  ignoreUnfixed: boolean
  ignoreFile?: string
  vex: string[]
  platform?: string
  /** Empty: trivy's own default order. */
  dbRepositories: string[]
  cacheDir: string
  /** For the scanned image's registry only (a registry source); never sent anywhere else. */
  credentials?: { username: string; password: string }
  /** Credentials of the DB repositories' registries (from the user's Docker config), each for its own. */
  otherAuths?: RegistryAuth[]
}

export interface ScanResult {
  reportFile: string
  report: TrivyReport
}

export type ConvertFormat = 'cosign-vuln' | 'sarif' | 'table' | 'json'

/** What the report and error messages call the scanned image. */
export function scanLabel(options: Pick<ScanOptions, 'target' | 'source'>): string {
  return options.source.kind === 'tarball' ? options.source.path : options.target
}

/** The argv of the one `trivy image` call of a scan. Secrets never appear here (see scanEnv). */
export function buildScanArgs(options: ScanOptions): string[] {
  const args = ['image', '--format', 'json', '--output', options.reportFile]
  // Since v0.67.0 trivy lists every package by default; the gate and reports only need findings.
  // Every severity, said explicitly (SARIF wants them all; the gate decides), and no --exit-code:
  // trivy exits 1 both for findings and for fatal errors, so the verdict comes from the JSON report.
  args.push('--list-all-pkgs=false', '--severity', [...SEVERITIES].reverse().join(','))
  args.push('--scanners', options.scanners.join(','))
  if (options.ignoreUnfixed) args.push('--ignore-unfixed')
  if (options.ignoreFile) args.push('--ignorefile', options.ignoreFile)
  for (const vex of options.vex) args.push('--vex', listFlagValue(vex))
  if (options.platform) args.push('--platform', options.platform)
  // `remote` for a registry image: otherwise trivy first asks docker, containerd and podman for the
  // name and could scan a local copy instead of what the registry serves under the pinned digest.
  const source = options.source
  if (source.kind === 'tarball') args.push('--input', source.path)
  else args.push('--image-src', source.kind === 'registry' ? 'remote' : source.kind)
  for (const repo of options.dbRepositories) args.push('--db-repository', listFlagValue(repo))
  args.push('--cache-dir', options.cacheDir)
  if (source.kind !== 'tarball') args.push(options.target)
  return args
}

/**
 * trivy's own variables for every call: quiet, CI-friendly logs, and the cache dir (so that `version`
 * and `convert` see the same DB as the scan). Nothing else of the job's TRIVY_* reaches trivy (see
 * tools/exec.ts). Registry credentials come through `dockerConfig`, a private Docker config with one
 * `auths` entry per registry: TRIVY_USERNAME/PASSWORD would go to every registry trivy contacts,
 * the vulnerability-database registries included.
 */
export function scanEnv(options: {
  cacheDir: string
  dockerConfig?: string
}): Record<string, string> {
  const env: Record<string, string> = {
    TRIVY_NO_PROGRESS: 'true',
    TRIVY_SKIP_VERSION_CHECK: 'true',
    TRIVY_DISABLE_TELEMETRY: 'true',
    TRIVY_CACHE_DIR: options.cacheDir
  }
  if (options.dockerConfig) env['DOCKER_CONFIG'] = options.dockerConfig
  return env
}

/** The Docker daemon's address, for `image-source: docker` (podman's socket is under XDG_RUNTIME_DIR). */
const DAEMON_ENVIRONMENT = [
  'DOCKER_HOST',
  'DOCKER_CERT_PATH',
  'DOCKER_TLS_VERIFY',
  'DOCKER_API_VERSION'
]

/**
 * Runs trivy in a private, empty working directory (so that a `trivy.yaml`, `trivy-secret.yaml` or
 * `.trivyignore` a pull request commits to the workspace is never read: every path we pass is
 * absolute) with a private Docker config, both removed afterwards.
 */
async function runTrivy(
  trivyPath: string,
  args: string[],
  options: { cacheDir: string; auths?: RegistryAuth[]; source?: ImageSource; silent?: boolean }
): Promise<Awaited<ReturnType<typeof runTool>>> {
  const dir = mkdtempSync(join(privateTempDir(), 'trivy-'))
  try {
    const cwd = join(dir, 'cwd')
    mkdirSync(cwd, { mode: 0o700 })
    const dockerConfig = writeDockerConfigEntries(join(dir, 'docker'), options.auths ?? [])
    const run: RunOptions = {
      env: scanEnv({ cacheDir: options.cacheDir, dockerConfig }),
      inherit: options.source?.kind === 'docker' ? DAEMON_ENVIRONMENT : [],
      cwd,
      silent: options.silent
    }
    return await runTool(trivyPath, args, run)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The registries trivy may authenticate to, each with its own credentials only. */
function scanAuths(options: ScanOptions): RegistryAuth[] {
  const auths = [...(options.otherAuths ?? [])]
  if (options.credentials && options.source.kind === 'registry') {
    const registry = parseImageRef(options.target).registry
    auths.unshift({ registry, credentials: options.credentials })
  }
  return auths
}

const RATE_LIMITED = /TOOMANYREQUESTS|429 Too Many Requests/
const DB_FAILURE = /failed to download vulnerability DB/

/**
 * Vulnerability-DB repositories trivy logged as failed, in order (`[vulndb] Failed to download
 * artifact repo="…"`); the Java DB logs the same line under `[javadb]`, which is not ours to report.
 */
function failedDbRepositories(stderr: string): string[] {
  const failed = /\[vulndb\] Failed to download artifact\s+repo="([^"]+)"/g
  return [...stderr.matchAll(failed)].map((m) => m[1] ?? '')
}

/** The message for a scan that failed because no DB repository would serve the database. */
function dbFailureMessage(label: string, options: ScanOptions, stderr: string): string {
  const tried = options.dbRepositories.length > 0 ? options.dbRepositories : DEFAULT_DB_REPOSITORIES
  const why = RATE_LIMITED.test(stderr) ? 'rate-limited it (TOOMANYREQUESTS)' : 'failed'
  const head = `trivy could not download its vulnerability database to scan ${label}`
  if (options.dbRepositories.length === 1) {
    return (
      `${head}: the only repository in trivy-db-repository, ${tried[0]}, ${why}. Add a fallback on ` +
      `the next line of trivy-db-repository (trivy tries them in order), e.g. ${DEFAULT_DB_REPOSITORIES.join(' or ')}, ` +
      'and keep cache-db enabled so that later runs reuse the cached database.'
    )
  }
  return (
    `${head}: every repository tried (${tried.join(', ')}) ${why}. Retry later, add a mirror ` +
    'to trivy-db-repository, and keep cache-db enabled so that later runs reuse the cached database.'
  )
}

/**
 * Scans one image with exactly one `trivy image` call and returns the parsed JSON report.
 *
 * DB rate limits: every repository of `trivy-db-repository` goes into this one call as repeated
 * --db-repository flags, because trivy itself falls back to the next one on 429 and 5xx answers;
 * a second call of ours would only repeat the DB download (and, for a registry, the image pull).
 * We read trivy's log to say which repository was skipped, and turn a final TOOMANYREQUESTS into a
 * message that says what to change. Any failure throws ToolError, which reads differently from a
 * gate that failed on findings.
 */
export async function runScan(trivyPath: string, options: ScanOptions): Promise<ScanResult> {
  const label = scanLabel(options)
  mkdirSync(dirname(options.reportFile), { recursive: true })
  // A report left by an earlier run must never pass for this scan's.
  rmSync(options.reportFile, { force: true })
  const result = await runTrivy(trivyPath, buildScanArgs(options), {
    cacheDir: options.cacheDir,
    auths: scanAuths(options),
    source: options.source
  })
  const skipped = failedDbRepositories(result.stderr)
  if (result.exitCode !== 0) {
    if (DB_FAILURE.test(result.stderr)) {
      throw new ToolError(
        dbFailureMessage(label, options, result.stderr),
        trivyErrors(result.stderr)
      )
    }
    throw new ToolError(
      `trivy could not scan ${label} (exit code ${result.exitCode})`,
      trivyErrors(result.stderr)
    )
  }
  if (skipped.length > 0) {
    core.warning(
      `trivy DB repository ${skipped.join(', ')} did not serve the database` +
        (RATE_LIMITED.test(result.stderr) ? ' (rate-limited)' : '') +
        '; trivy fell back to the next DB repository.'
    )
  }
  if (!existsSync(options.reportFile)) {
    throw new ToolError(
      `trivy could not scan ${label}: it exited 0 but wrote no report to ${options.reportFile}`,
      trivyErrors(result.stderr)
    )
  }
  try {
    return {
      reportFile: options.reportFile,
      report: parseReport(readFileSync(options.reportFile, 'utf8'))
    }
  } catch (error) {
    throw new ToolError(
      `trivy could not scan ${label}: ${(error as Error).message}`,
      trivyErrors(result.stderr),
      {
        cause: error
      }
    )
  }
}

/**
 * Turns a JSON report into another format without rescanning (`trivy convert`, v0.42.0+); the
 * attest step uses it for the cosign-vuln predicate. Filters belong on the scan, none are passed.
 */
export async function convertReport(
  trivyPath: string,
  reportFile: string,
  format: ConvertFormat,
  output: string,
  cacheDir: string
): Promise<void> {
  rmSync(output, { force: true })
  const args = ['convert', '--format', format, '--output', output, reportFile]
  const result = await runTrivy(trivyPath, args, { cacheDir, silent: true })
  if (result.exitCode !== 0 || !existsSync(output)) {
    throw new ToolError(
      `trivy could not convert ${reportFile} to ${format} (exit code ${result.exitCode})`,
      trivyErrors(result.stderr)
    )
  }
}

/** The version trivy reports about itself (`Version: 0.74.0`), e.g. for the outputs. */
export async function trivyVersion(trivyPath: string): Promise<string> {
  const result = await runTool(trivyPath, ['--version'], {
    env: { TRIVY_SKIP_VERSION_CHECK: 'true', TRIVY_DISABLE_TELEMETRY: 'true' },
    cwd: privateTempDir(),
    silent: true
  })
  const version = /^Version:\s*v?(\S+)/m.exec(result.stdout)?.[1]
  if (result.exitCode !== 0 || !version) {
    throw new ToolError(
      `trivy --version failed (exit code ${result.exitCode})`,
      tail(result.stderr || result.stdout)
    )
  }
  return version
}

/**
 * What trivy said went wrong: its FATAL and ERROR log lines (and a Go panic's first lines) when
 * there are any, else the end of its log; INFO lines about the DB download say nothing about a crash.
 */
export function trivyErrors(stderr: string): string {
  const lines = stderr.split('\n')
  const panic = lines.findIndex((line) => line.startsWith('panic:'))
  if (panic !== -1) return lines.slice(panic, panic + 6).join('\n')
  const errors = lines.filter((line) => /\t(FATAL|ERROR)\t|^\s+\* /.test(line))
  return errors.length > 0 ? errors.slice(-10).join('\n') : tail(stderr)
}
