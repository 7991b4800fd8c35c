// The scan and gate steps: one `trivy image` on the resolved digest, with trivy's DB carried
// between runs in the Actions cache (saved even when the scan or the gate fails: the DB is as good
// either way), and the verdict computed from the JSON report.
import { join } from 'node:path'
import { formatImageRef } from '../registry/image-ref.js'
import { collectFindings } from '../findings/findings.js'
import { evaluateGate } from '../findings/gate.js'
import type { RunState, ScanOutcome } from './run-state.js'
import type { Inputs } from '../inputs/inputs.js'
import {
  dockerConfigCredentials,
  registryCredentials,
  type RegistryAuth
} from '../registry/credentials.js'
import { parseImageRef } from '../registry/image-ref.js'
import type { InstalledTool } from '../tools/install.js'
import { assertDbFresh, restoreDb, saveDb, trivyCacheDir } from '../trivy/db-cache.js'
import { convertReport, runScan } from '../trivy/scan.js'
import { workDir } from '../secure-fs/run-dir.js'

export async function scanImage(state: RunState): Promise<void> {
  const { inputs, steps, image } = state
  const trivy = state.tools.trivy
  if (!trivy || !steps.isSelected('scan')) return
  state.scan = await steps.run('scan', async (): Promise<ScanOutcome> => {
    const cacheDir = trivyCacheDir()
    const db = inputs.cacheDb
      ? await restoreDb(cacheDir, new Date(), inputs.dbMaxAge.ms)
      : undefined
    try {
      const { reportFile, report } = await runScan(trivy.path, {
        // Registry images are scanned by digest: the digest that is signed is the one scanned.
        target: image?.pinnedRef ?? formatImageRef(inputs.image),
        source: inputs.imageSource,
        reportFile: join(workDir(), 'trivy-report.json'),
        scanners: inputs.scanners,
        ignoreUnfixed: inputs.ignoreUnfixed,
        ignoreFile: inputs.ignoreFile,
        vex: inputs.vex,
        platform: inputs.platform,
        dbRepositories: inputs.trivyDbRepositories,
        cacheDir,
        credentials:
          inputs.imageSource.kind === 'registry'
            ? registryCredentials(inputs.image.registry, inputs.registryCredentials).credentials
            : undefined,
        otherAuths: dbRepositoryAuths(inputs)
      })
      // No verdict from a database that is too old or dated in the future (a planted cache entry).
      if (inputs.scanners.includes('vuln')) assertDbFresh(cacheDir, inputs.dbMaxAge)
      // Only the findings outlive this function: they point at the report's strings, and the rest
      // of the parsed report (tens of MB on a big image) is garbage before the reports are built.
      return { reportFile, findings: collectFindings(report) }
    } finally {
      if (db) await saveDb(db)
    }
  })
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

export async function gateImage(state: RunState): Promise<void> {
  const { scan, steps, inputs } = state
  if (!scan || !steps.isSelected('gate')) return
  state.gate = await steps.run(
    'gate',
    async () => evaluateGate(scan.findings, inputs.failOn),
    (gate) => gate.verdict
  )
}

/** The scan's result as cosign's vulnerability predicate, made from the report (no second scan). */
export async function vulnPredicate(trivy: InstalledTool, reportFile: string): Promise<string> {
  const predicate = join(workDir(), 'vuln-predicate.json')
  await convertReport(trivy.path, reportFile, 'cosign-vuln', predicate, trivyCacheDir())
  return predicate
}
