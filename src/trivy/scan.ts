// trivy as the action runs it: pure argv/env builders (table-tested) and the runners around them.
// One `trivy image` per image writes the JSON report; every other artefact (SARIF, the cosign-vuln
// predicate) is derived from that report, so everything describes the same scan.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { dirname } from 'node:path'
import { ToolError } from '../errors.js'
import { parseImageRef } from '../registry/image-ref.js'
import type { RegistryAuth } from '../registry/credentials.js'
import { SEVERITIES, type ImageSource, type Scanner } from '../types.js'
import { parseReport, type TrivyReport } from './report.js'
import { listFlagValue } from '../tools/list-flag.js'
import { runTrivy, trivyErrors } from './run.js'

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
  /** Only for an image from the Docker daemon or podman: a registry image is named by its digest. */
  platform?: string
  /** Every package, not only the vulnerable ones: what an SBOM converted from the report needs. */
  listAllPackages: boolean
  /** The database was brought up to date before (downloadDb): scans then only read it. */
  skipDbUpdate: boolean
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

export type ConvertFormat = 'cosign-vuln' | 'cyclonedx' | 'sarif' | 'table' | 'json'

/** What the report and error messages call the scanned image. */
export function scanLabel(options: Pick<ScanOptions, 'target' | 'source'>): string {
  return options.source.kind === 'tarball' ? options.source.path : options.target
}

/** The argv of the one `trivy image` call of a scan. Secrets never appear here (see scanEnv). */
export function buildScanArgs(options: ScanOptions): string[] {
  const args = ['image', '--format', 'json', '--output', options.reportFile]
  // Since v0.67.0 trivy lists every package by default; the gate and reports only need findings,
  // an SBOM needs them all. Every severity, said explicitly (SARIF wants them all; the gate
  // decides), and no --exit-code: trivy exits 1 both for findings and for fatal errors, so the
  // verdict comes from the JSON report.
  args.push(`--list-all-pkgs=${options.listAllPackages}`)
  args.push('--severity', [...SEVERITIES].reverse().join(','))
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
  if (options.skipDbUpdate) args.push('--skip-db-update')
  else for (const repo of options.dbRepositories) args.push('--db-repository', listFlagValue(repo))
  // Scans of several platform images run side by side on one cache dir: trivy's file scan cache
  // is a bolt file with an exclusive lock (a second scan waits, then fails), the memory one is
  // per process. The vulnerability database is opened read-only and is shared.
  args.push('--cache-dir', options.cacheDir, '--cache-backend', 'memory')
  if (source.kind !== 'tarball') args.push(options.target)
  return args
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

/**
 * Scans one image with exactly one `trivy image` call and returns the parsed JSON report. Any
 * failure throws ToolError, which reads differently from a gate that failed on findings.
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
  if (result.exitCode !== 0) {
    throw new ToolError(
      `trivy could not scan ${label} (exit code ${result.exitCode})`,
      trivyErrors(result.stderr)
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
