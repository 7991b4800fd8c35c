// What a signed scan says, read back from its attestation's predicate: when the scan ran and what
// it found (cosign-vuln), or that an SBOM is there (CycloneDX). A deploy job trusts these instead
// of scanning again, so they are held to what a fresh scan would be: the age against max-scan-age,
// the findings against fail-on. Pure: the caller passes the verified predicates and the clock.
import { validateReport } from '../trivy/report.js'
import { compareWithBaseline } from './baseline.js'
import { collectFindings, type Finding } from './findings.js'
import { describeFailing, evaluateGate, type GateResult } from './gate.js'
import type { FailOn, VerificationCheck } from '../types.js'

/** A vulnerability scan as its attestation records it. */
export interface VulnEvidence {
  /** When the scan ran: see scanTime. */
  scannedAt: Date
  /** Every finding of the attested report, worst first. */
  findings: Finding[]
  /** The trivy version the predicate names, when it names one. */
  scanner?: string
}

/** One check of the evidence, as the `verification` output and the summary show it. */
export type EvidenceCheck = VerificationCheck

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** A time the predicate gives, in ms, or undefined when it gives none (or Go's zero time). */
function instant(value: unknown): number | undefined {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN
  return Number.isNaN(ms) || ms <= 0 ? undefined : ms
}

/**
 * The earlier of the predicate's `metadata.scanFinishedOn` and the report's own `CreatedAt`: `trivy
 * convert --format cosign-vuln` stamps the time of the conversion, not of the scan, so a report
 * converted long after it was made would otherwise look fresh. The action converts right after
 * scanning, where the two differ by seconds.
 */
function scanTime(predicate: Json, createdAt: unknown): number | undefined {
  const metadata = isObject(predicate['metadata']) ? predicate['metadata'] : {}
  const times = [instant(metadata['scanFinishedOn']), instant(createdAt)].filter(
    (ms): ms is number => ms !== undefined
  )
  return times.length > 0 ? Math.min(...times) : undefined
}

/**
 * Reads a cosign-vuln predicate (`{invocation, scanner: {uri, version, db, result: <trivy's JSON
 * report>}, metadata: {scanStartedOn, scanFinishedOn}}`). Throws an Error saying what is missing.
 */
export function readVulnPredicate(predicate: unknown): VulnEvidence {
  const problem = (why: string): Error =>
    new Error(`the vuln attestation is not a trivy scan record: ${why}`)
  if (!isObject(predicate)) throw problem('its predicate is not an object')
  const scanner = isObject(predicate['scanner']) ? predicate['scanner'] : undefined
  if (!scanner || !isObject(scanner['result'])) throw problem('it has no scanner.result')
  let report
  try {
    report = validateReport(scanner['result'])
  } catch (error) {
    throw problem(`scanner.result: ${(error as Error).message}`)
  }
  const scannedAt = scanTime(predicate, report.CreatedAt)
  if (scannedAt === undefined) {
    throw problem("it has no scan time (metadata.scanFinishedOn, or the report's CreatedAt)")
  }
  const version = scanner['version']
  return {
    scannedAt: new Date(scannedAt),
    findings: collectFindings(report),
    scanner: typeof version === 'string' && version !== '' ? version : undefined
  }
}

/**
 * The newest of a digest's attested scans: a digest attested on every release keeps the older
 * attestations too, and the newest says what is known about it now.
 */
export function newestEvidence(evidence: readonly VulnEvidence[]): VulnEvidence | undefined {
  let newest: VulnEvidence | undefined
  for (const entry of evidence) {
    if (!newest || entry.scannedAt.getTime() > newest.scannedAt.getTime()) newest = entry
  }
  return newest
}

const MINUTE_MS = 60_000
const HOUR_MS = 60 * MINUTE_MS
const DAY_MS = 24 * HOUR_MS
/** Clocks of the runner that scanned and the one that verifies may differ by a little. */
const CLOCK_SLACK_MS = 5 * MINUTE_MS

/** `9 d 4 h`, `3 h 12 min`, `7 min`, `less than a minute`: an age in its two largest units. */
export function formatAge(ms: number): string {
  const days = Math.floor(ms / DAY_MS)
  const hours = Math.floor((ms % DAY_MS) / HOUR_MS)
  const minutes = Math.floor((ms % HOUR_MS) / MINUTE_MS)
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`
  return minutes > 0 ? `${minutes} min` : 'less than a minute'
}

/**
 * The attested scan's age against `max-scan-age` (no limit when absent). A scan dated in the
 * future fails a limit: it would otherwise stay "fresh" for as long as its author chose.
 */
export function checkScanAge(
  evidence: VulnEvidence,
  maxAge: { text: string; ms: number } | undefined,
  now: Date
): EvidenceCheck {
  const at = evidence.scannedAt.toISOString()
  const age = now.getTime() - evidence.scannedAt.getTime()
  if (!maxAge) {
    const when = age >= 0 ? `${formatAge(age)} ago` : 'in the future'
    return { check: 'scan age', passed: true, detail: `scanned ${when} (${at}); no max-scan-age` }
  }
  if (age < -CLOCK_SLACK_MS) {
    return {
      check: 'scan age',
      passed: false,
      detail: `scan dated in the future (${at}); max-scan-age is ${maxAge.text}`
    }
  }
  const ago = `scanned ${formatAge(Math.max(age, 0))} ago (${at})`
  return age > maxAge.ms
    ? {
        check: 'scan age',
        passed: false,
        detail: `${ago}, longer ago than max-scan-age (${maxAge.text})`
      }
    : { check: 'scan age', passed: true, detail: `${ago}, within max-scan-age (${maxAge.text})` }
}

/**
 * `fail-on` applied to the attested findings: a deploy job refuses an image whose last signed scan
 * found what a release gate would have refused. With a verified baseline, only the findings it
 * does not have count, as in the scan's gate.
 */
export function gateAttestedFindings(
  evidence: VulnEvidence,
  failOn: FailOn,
  baseline?: readonly Finding[]
): { check: EvidenceCheck; gate: GateResult } {
  const counted = baseline
    ? compareWithBaseline(evidence.findings, baseline).added
    : evidence.findings
  const gate = evaluateGate(counted, failOn)
  const what = baseline ? 'new attested findings' : 'attested findings'
  const threshold = `fail-on ${failOn.toLowerCase()}`
  const detail =
    gate.verdict === 'failed'
      ? `${what} at or above ${threshold}: ${describeFailing(gate)}`
      : `no ${what} at or above ${threshold} (${gate.total} vulnerabilities in all)`
  return { check: { check: 'attested findings', passed: gate.verdict === 'passed', detail }, gate }
}

/**
 * Checks a CycloneDX predicate is an SBOM (the attestation's presence and subject are checked
 * where it is read): an empty or foreign predicate under the CycloneDX type vouches for nothing.
 */
export function checkSbomPredicate(predicate: unknown): EvidenceCheck {
  if (!isObject(predicate) || predicate['bomFormat'] !== 'CycloneDX') {
    return {
      check: 'sbom content',
      passed: false,
      detail: 'the sbom attestation holds no CycloneDX document'
    }
  }
  const components = Array.isArray(predicate['components']) ? predicate['components'].length : 0
  const version = typeof predicate['specVersion'] === 'string' ? ` ${predicate['specVersion']}` : ''
  return {
    check: 'sbom content',
    passed: true,
    detail: `CycloneDX${version} SBOM of ${components} component(s)`
  }
}

/** What verify requires of one digest's attestations beyond cosign's signature check. */
export interface EvidencePolicy {
  /** `max-scan-age`; absent: no limit. */
  maxScanAge?: { text: string; ms: number }
  failOn: FailOn
  /** The verified baseline's findings for this platform image: only other findings count. */
  baseline?: readonly Finding[]
  now: Date
}

export interface VulnVerdict {
  checks: EvidenceCheck[]
  /** The newest attested scan, when the predicates could be read. */
  evidence?: VulnEvidence
  /** fail-on over its findings (the new ones only, against a baseline). */
  gate?: GateResult
}

/**
 * The verified vuln predicates of one digest held to the policy: the newest scan's age, and
 * fail-on over its findings. A predicate that cannot be read fails: cosign vouched for it.
 */
export function evaluateVulnPredicates(
  predicates: readonly unknown[],
  policy: EvidencePolicy
): VulnVerdict {
  let read: VulnEvidence[]
  try {
    read = predicates.map(readVulnPredicate)
  } catch (error) {
    return {
      checks: [{ check: 'vuln attestation', passed: false, detail: (error as Error).message }]
    }
  }
  const evidence = newestEvidence(read)
  if (!evidence) {
    return {
      checks: [{ check: 'vuln attestation', passed: false, detail: 'no vuln attestation was read' }]
    }
  }
  const { check, gate } = gateAttestedFindings(evidence, policy.failOn, policy.baseline)
  return { checks: [checkScanAge(evidence, policy.maxScanAge, policy.now), check], evidence, gate }
}

/** The verified sbom predicates of one digest: at least one, and each a CycloneDX document. */
export function evaluateSbomPredicates(predicates: readonly unknown[]): EvidenceCheck {
  if (predicates.length === 0) {
    return { check: 'sbom content', passed: false, detail: 'no sbom attestation was read' }
  }
  const checks = predicates.map(checkSbomPredicate)
  return checks.find((check) => !check.passed) ?? (checks[checks.length - 1] as EvidenceCheck)
}
