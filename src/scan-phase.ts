// The scan step: one `trivy image` on the resolved digest, with trivy's DB carried between runs in
// the Actions cache (saved even when the scan or the gate fails: the DB is as good either way).
import { join } from 'node:path'
import { formatImageRef } from './image.js'
import type { Inputs } from './inputs.js'
import type { ResolvedImage } from './pipeline.js'
import { collectFindings } from './report/findings.js'
import type { ScanOutcome } from './run-state.js'
import type { InstalledTool } from './tools/install.js'
import { restoreDb, saveDb, trivyCacheDir } from './trivy-db.js'
import { convertReport, runScan } from './trivy.js'
import { workDir } from './workdir.js'

export async function scanImage(
  inputs: Inputs,
  trivy: InstalledTool,
  image: ResolvedImage | undefined
): Promise<ScanOutcome> {
  const cacheDir = trivyCacheDir()
  const db = inputs.cacheDb ? await restoreDb(cacheDir) : undefined
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
      credentials: inputs.registryCredentials
    })
    return { reportFile, report, findings: collectFindings(report) }
  } finally {
    if (db) await saveDb(db)
  }
}

/** The scan's result as cosign's vulnerability predicate, made from the report (no second scan). */
export async function vulnPredicate(trivy: InstalledTool, reportFile: string): Promise<string> {
  const predicate = join(workDir(), 'vuln-predicate.json')
  await convertReport(trivy.path, reportFile, 'cosign-vuln', predicate, trivyCacheDir())
  return predicate
}
