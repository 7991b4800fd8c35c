// Types for trivy's JSON report (`--format json`, SchemaVersion 2), only the fields the reports
// read; trivy adds fields over time and those pass through untouched. `parseReport` checks the
// outline only: it runs on reports of 100,000 findings, so it does not walk every finding.

export interface TrivyCvss {
  V2Score?: number
  V2Vector?: string
  V3Score?: number
  V3Vector?: string
  V40Score?: number
  V40Vector?: string
}

export interface TrivyVulnerability {
  VulnerabilityID: string
  PkgName: string
  PkgID?: string
  /** Where a language package sits inside the image (a jar, a package.json). */
  PkgPath?: string
  InstalledVersion: string
  FixedVersion?: string
  /** `fixed`, `affected`, `will_not_fix`, `fix_deferred`, `end_of_life`, `under_investigation`… */
  Status?: string
  Severity: string
  SeveritySource?: string
  Title?: string
  Description?: string
  PrimaryURL?: string
  References?: string[]
  CweIDs?: string[]
  CVSS?: Record<string, TrivyCvss>
}

export interface TrivySecret {
  RuleID: string
  Category: string
  Severity: string
  Title: string
  StartLine: number
  EndLine: number
  /** The matched line with the secret masked by trivy. Never copied into our reports. */
  Match?: string
}

export interface TrivyMisconfiguration {
  Type?: string
  ID: string
  AVDID?: string
  Title: string
  Description?: string
  Message?: string
  Resolution?: string
  Severity: string
  PrimaryURL?: string
  References?: string[]
  /** `FAIL`, `PASS` or `EXCEPTION`; only FAIL is a finding. */
  Status: string
  CauseMetadata?: { StartLine?: number; EndLine?: number }
}

export interface TrivyLicense {
  Severity: string
  Category: string
  PkgName?: string
  FilePath?: string
  Name: string
  Confidence?: number
  Link?: string
}

export interface TrivyResult {
  Target: string
  /** `os-pkgs`, `lang-pkgs`, `config`, `secret`, `license`, `license-file`, `custom`. */
  Class?: string
  Type?: string
  Vulnerabilities?: TrivyVulnerability[]
  Secrets?: TrivySecret[]
  Misconfigurations?: TrivyMisconfiguration[]
  Licenses?: TrivyLicense[]
}

export interface TrivyMetadata {
  OS?: { Family?: string; Name?: string; EOSL?: boolean }
  ImageID?: string
  RepoTags?: string[]
  RepoDigests?: string[]
  ImageConfig?: { architecture?: string; os?: string; created?: string }
}

export interface TrivyReport {
  SchemaVersion: number
  Trivy?: { Version?: string }
  CreatedAt?: string
  ArtifactName: string
  /** `container_image`, `filesystem`, `repository`, `vm`… */
  ArtifactType?: string
  Metadata?: TrivyMetadata
  /** Absent when trivy found nothing to report. */
  Results?: TrivyResult[]
}

const FINDING_LISTS = ['Vulnerabilities', 'Secrets', 'Misconfigurations', 'Licenses'] as const

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Parses the text of a trivy JSON report and checks its outline. Throws an Error that says what
 * is wrong when the text is not a trivy JSON report (a SARIF or table output, a truncated file).
 */
export function parseReport(text: string): TrivyReport {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    const start = JSON.stringify(text.slice(0, 40))
    throw new Error(
      `The trivy report is not JSON (it starts with ${start}): ${(error as Error).message}`,
      {
        cause: error
      }
    )
  }
  return validateReport(value)
}

/** The outline check of `parseReport`, for a report that is already parsed. */
export function validateReport(value: unknown): TrivyReport {
  const notReport = (why: string): Error =>
    new Error(`The file is not a trivy JSON report (--format json): ${why}`)
  if (!isObject(value)) throw notReport('the top level is not an object')
  if ('runs' in value && 'version' in value) throw notReport('it is a SARIF log')
  if (value.SchemaVersion !== 2) {
    throw notReport(
      value.SchemaVersion === undefined
        ? 'it has no SchemaVersion'
        : `SchemaVersion is ${JSON.stringify(value.SchemaVersion)}, and only 2 is supported`
    )
  }
  if (typeof value.ArtifactName !== 'string') throw notReport('ArtifactName is missing')
  if (value.Results !== undefined && value.Results !== null) {
    if (!Array.isArray(value.Results)) throw notReport('Results is not a list')
    value.Results.forEach((result: unknown, i) => {
      if (!isObject(result)) throw notReport(`Results[${i}] is not an object`)
      if (typeof result.Target !== 'string') throw notReport(`Results[${i}].Target is not a string`)
      for (const list of FINDING_LISTS) {
        const entries = result[list]
        if (entries !== undefined && entries !== null && !Array.isArray(entries)) {
          throw notReport(`Results[${i}].${list} is not a list`)
        }
      }
    })
  } else {
    // trivy omits Results when there is nothing to report; normalise so callers need not care.
    value.Results = []
  }
  return value as unknown as TrivyReport
}
