// Big trivy JSON reports for tests and the benchmark, built from the real fixtures: their
// vulnerabilities are replicated with varied ids, packages, versions, severities and scores, and
// the OS target names the image by digest, as trivy does when it scans `repo@sha256:…`.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type {
  TrivyMisconfiguration,
  TrivyReport,
  TrivySecret,
  TrivyVulnerability
} from '../../src/trivy/report.js'
import { TRIVY_FIXTURES_DIR } from './paths.js'

export const GENERATED_IMAGE = 'docker.io/library/alpine'
export const GENERATED_DIGEST = 'sha256:' + 'ab12'.repeat(16)

/** The fixture reports (*.json) by file name. */
export function loadFixtures(): Map<string, TrivyReport> {
  const reports = new Map<string, TrivyReport>()
  for (const name of readdirSync(TRIVY_FIXTURES_DIR).sort()) {
    if (name.endsWith('.json')) {
      reports.set(name, JSON.parse(readFileSync(join(TRIVY_FIXTURES_DIR, name), 'utf8')))
    }
  }
  return reports
}

/** Small deterministic PRNG (mulberry32): the same seed gives the same report. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const SEVERITY_BANDS: Array<[string, number, number, number]> = [
  // severity, share, lowest score, highest score
  ['CRITICAL', 0.08, 9.0, 10],
  ['HIGH', 0.22, 7.0, 8.9],
  ['MEDIUM', 0.4, 4.0, 6.9],
  ['LOW', 0.25, 0.1, 3.9],
  ['UNKNOWN', 0.05, 0, 0]
]

export interface GenerateOptions {
  /** Also add this many secrets and misconfigurations (counted in findingCount). */
  secrets?: number
  misconfigurations?: number
}

/** A trivy report with exactly `findingCount` findings. */
export function generateReport(
  findingCount: number,
  seed = 1,
  options: GenerateOptions = {}
): TrivyReport {
  const fixtures = [...loadFixtures().values()]
  const templates: TrivyVulnerability[] = fixtures.flatMap((r) =>
    (r.Results ?? []).flatMap((res) => res.Vulnerabilities ?? [])
  )
  const misconfigTemplates: TrivyMisconfiguration[] = fixtures.flatMap((r) =>
    (r.Results ?? []).flatMap((res) => res.Misconfigurations ?? [])
  )
  const rand = random(seed)
  const secrets = options.secrets ?? 0
  const misconfigurations = options.misconfigurations ?? 0
  const vulnCount = findingCount - secrets - misconfigurations
  const os: TrivyVulnerability[] = []
  const lang: TrivyVulnerability[] = []
  // Findings come in groups of 1 to 7 that share a CVE (one advisory, several packages, as with
  // openssl's libcrypto, libssl and openssl), about 4 per CVE: what large real images show.
  let idNumber = -1
  let groupLeft = 0
  let template = templates[0] as TrivyVulnerability
  let severity = 'UNKNOWN'
  let score = 0
  for (let i = 0; i < vulnCount; i++) {
    if (groupLeft === 0) {
      idNumber++
      groupLeft = 1 + Math.floor(rand() * 7)
      template = templates[idNumber % templates.length] as TrivyVulnerability
      let roll = rand()
      const band = SEVERITY_BANDS.find(([, share]) => (roll -= share) < 0) ?? SEVERITY_BANDS[3]!
      const [name, , low, high] = band
      severity = name
      score = Math.round((low + rand() * (high - low)) * 10) / 10
    }
    groupLeft--
    const vuln: TrivyVulnerability = {
      ...template,
      VulnerabilityID: `CVE-${2000 + (idNumber % 26)}-${100000 + idNumber}`,
      PkgName: `${template.PkgName}-${i % 997}`,
      PkgID: undefined,
      InstalledVersion: `1.${i % 50}.${i % 7}`,
      FixedVersion: rand() < 0.6 ? `1.${(i % 50) + 1}.0` : undefined,
      Status: undefined,
      Severity: severity,
      SeveritySource: 'nvd',
      CVSS: severity === 'UNKNOWN' ? undefined : { nvd: { V3Score: score } }
    }
    vuln.Status = vuln.FixedVersion ? 'fixed' : 'affected'
    ;(i % 5 === 0 ? lang : os).push(vuln)
  }
  const secretList: TrivySecret[] = Array.from({ length: secrets }, (_, i) => ({
    RuleID: i % 2 ? 'aws-access-key-id' : 'github-pat',
    Category: i % 2 ? 'AWS' : 'GitHub',
    Severity: i % 2 ? 'CRITICAL' : 'HIGH',
    Title: i % 2 ? 'AWS Access Key ID' : 'GitHub Personal Access Token',
    StartLine: 1 + i,
    EndLine: 1 + i,
    Match: 'TOKEN=****************'
  }))
  const misconfigList: TrivyMisconfiguration[] = Array.from(
    { length: misconfigurations },
    (_, i) => ({
      ...(misconfigTemplates[i % misconfigTemplates.length] as TrivyMisconfiguration),
      Status: 'FAIL'
    })
  )
  const artifact = `${GENERATED_IMAGE}@${GENERATED_DIGEST}`
  return {
    SchemaVersion: 2,
    Trivy: { Version: '0.74.0' },
    ArtifactName: artifact,
    ArtifactType: 'container_image',
    Metadata: {
      OS: { Family: 'alpine', Name: '3.10.2' },
      RepoDigests: [artifact]
    },
    Results: [
      {
        Target: `${artifact} (alpine 3.10.2)`,
        Class: 'os-pkgs',
        Type: 'alpine',
        Vulnerabilities: os
      },
      { Target: 'app/package-lock.json', Class: 'lang-pkgs', Type: 'npm', Vulnerabilities: lang },
      ...(secrets ? [{ Target: '/app/.env', Class: 'secret', Secrets: secretList }] : []),
      ...(misconfigurations
        ? [
            {
              Target: 'Dockerfile',
              Class: 'config',
              Type: 'dockerfile',
              Misconfigurations: misconfigList
            }
          ]
        : [])
    ]
  }
}
