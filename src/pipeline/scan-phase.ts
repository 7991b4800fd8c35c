// The scan and gate steps: trivy's database brought up to date once (carried between runs in the
// Actions cache, saved even when the scan or the gate fails: the DB is as good either way), then
// one `trivy image` per platform image by its own digest, a few side by side, and one verdict
// over all of them computed from the JSON reports.
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { compareWithBaseline } from '../findings/baseline.js'
import { collectFindings, distinctFindings, type Finding } from '../findings/findings.js'
import { evaluateGate } from '../findings/gate.js'
import { targetLabel, type PlatformScan, type RunState } from './run-state.js'
import { imageLabel } from './run-result.js'
import type { Inputs } from '../inputs/inputs.js'
import {
  dockerConfigCredentials,
  registryCredentials,
  type RegistryAuth
} from '../registry/credentials.js'
import { parseImageRef } from '../registry/image-ref.js'
import type { InstalledTool } from '../tools/install.js'
import type { ImageTarget } from '../types.js'
import { assertDbFresh, restoreDb, saveDb, trivyCacheDir } from '../trivy/db-cache.js'
import { downloadDb } from '../trivy/db-download.js'
import { convertReport, runScan } from '../trivy/scan.js'
import { workDir } from '../secure-fs/run-dir.js'
import { mapBounded } from './concurrency.js'

/**
 * Scans at once: each is mostly layer decompression and DB lookups, and four keep a 2-core runner
 * busy without holding four big reports in memory at the same time on a larger one.
 */
const SCAN_CONCURRENCY = Math.min(4, Math.max(2, availableParallelism()))

/** A file of this run for a target: `trivy-report.json`, or `trivy-report-linux-arm64.json` with several. */
export function targetFile(base: string, extension: string, target: ImageTarget, many: boolean) {
  const suffix = many && target.platform ? `-${target.platform.replaceAll('/', '-')}` : ''
  return join(workDir(), `${base}${suffix}${extension}`)
}

export async function scanImage(state: RunState): Promise<void> {
  const { inputs, steps, plan } = state
  const trivy = state.tools.trivy
  if (!trivy || !plan || !steps.isSelected('scan')) return
  state.scans = await steps.run('scan', async (): Promise<PlatformScan[]> => {
    const cacheDir = trivyCacheDir()
    const db = inputs.cacheDb
      ? await restoreDb(cacheDir, new Date(), inputs.dbMaxAge.ms)
      : undefined
    try {
      const vuln = inputs.scanners.includes('vuln')
      const auths = dbRepositoryAuths(inputs)
      if (vuln) {
        const dbRepositories = inputs.trivyDbRepositories
        await downloadDb(trivy.path, { dbRepositories, cacheDir, auths }, imageLabel(state))
        // No verdict from a database that is too old or dated in the future (a planted cache entry).
        assertDbFresh(cacheDir, inputs.dbMaxAge)
      }
      const many = plan.targets.length > 1
      return await mapBounded(plan.targets, SCAN_CONCURRENCY, (target) =>
        scanTarget(state, trivy, target, { cacheDir, many, skipDbUpdate: vuln, auths })
      )
    } finally {
      if (db) await saveDb(db)
    }
  })
}

async function scanTarget(
  state: RunState,
  trivy: InstalledTool,
  target: ImageTarget,
  options: { cacheDir: string; many: boolean; skipDbUpdate: boolean; auths: RegistryAuth[] }
): Promise<PlatformScan> {
  const { inputs } = state
  const sbom = inputs.attestations.includes('sbom')
  try {
    const { reportFile, report } = await runScan(trivy.path, {
      // Registry images are scanned by digest: the digest that is signed is the one scanned.
      target: target.ref,
      source: inputs.imageSource,
      reportFile: targetFile('trivy-report', '.json', target, options.many),
      scanners: inputs.scanners,
      ignoreUnfixed: inputs.ignoreUnfixed,
      ignoreFile: inputs.ignoreFile,
      vex: inputs.vex,
      // A registry image's platform is its digest; the daemon and podman pick by --platform.
      platform: state.image ? undefined : target.platform,
      listAllPackages: sbom,
      skipDbUpdate: options.skipDbUpdate,
      dbRepositories: inputs.trivyDbRepositories,
      cacheDir: options.cacheDir,
      credentials:
        inputs.imageSource.kind === 'registry'
          ? registryCredentials(inputs.image.registry, inputs.registryCredentials).credentials
          : undefined,
      otherAuths: options.auths
    })
    // Only the findings outlive this function: they point at the report's strings, and the rest
    // of the parsed report (tens of MB on a big image) is garbage before the reports are built.
    const findings = collectFindings(report)
    // The SBOM is written whether or not attest runs: it describes the image, not a verdict.
    const sbomFile = sbom ? targetFile('sbom', '.cdx.json', target, options.many) : undefined
    if (sbomFile)
      await convertReport(trivy.path, reportFile, 'cyclonedx', sbomFile, options.cacheDir)
    return { target, reportFile, findings, sbomFile }
  } catch (error) {
    const what = target.platform ? `platform ${target.platform} (${target.ref})` : target.ref
    throw new Error(`Could not scan ${what}; nothing is signed`, { cause: error })
  }
}

/**
 * Credentials for DB repositories on other registries, from the user's Docker config (docker
 * login): each goes to its own registry only. The registry-username/password inputs are for the
 * image's registry and never reach another one.
 */
function dbRepositoryAuths(inputs: Inputs): RegistryAuth[] {
  const auths: RegistryAuth[] = []
  for (const repository of inputs.trivyDbRepositories) {
    const registry = parseImageRef(repository).registry
    if (registry === inputs.image.registry) continue
    const credentials = dockerConfigCredentials(registry).credentials
    if (credentials) auths.push({ registry, credentials })
  }
  return auths
}

/** The findings the gate counts: the new ones against a baseline, else all of them. */
export function counted(scan: PlatformScan): Finding[] {
  return scan.comparison ? scan.comparison.added : scan.findings
}

/** One verdict over every platform: it fails when any platform fails, and names them. */
export async function gateImage(state: RunState): Promise<void> {
  const { scans, steps, inputs } = state
  if (!scans || !steps.isSelected('gate')) return
  state.gate = await steps.run(
    'gate',
    async () => {
      for (const scan of scans) {
        // Against a verified baseline, only what it does not have counts.
        const baseline = state.baseline?.findings.get(scan.target)
        scan.comparison = baseline ? compareWithBaseline(scan.findings, baseline) : undefined
        scan.gate = evaluateGate(counted(scan), inputs.failOn)
      }
      const failingPlatforms = scans
        .filter((scan) => scan.gate?.verdict === 'failed')
        .map((scan) => targetLabel(scan.target))
      const all = distinctFindings(scans.map(counted))
      return { ...evaluateGate(all, inputs.failOn), failingPlatforms }
    },
    (gate) => gate.verdict
  )
}

/** The scan's result as cosign's vulnerability predicate, made from its report (no second scan). */
export async function vulnPredicate(
  trivy: InstalledTool,
  scan: PlatformScan,
  many: boolean
): Promise<string> {
  const predicate = targetFile('vuln-predicate', '.json', scan.target, many)
  await convertReport(trivy.path, scan.reportFile, 'cosign-vuln', predicate, trivyCacheDir())
  return predicate
}
