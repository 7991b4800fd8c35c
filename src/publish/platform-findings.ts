// The platforms of a multi-platform image as the reports show them: one row per platform image, and
// the findings of all platforms merged so that a vulnerability present on four platforms is one
// row (naming the four), not four rows that push the others out of a short table.
import { compareFindings, findingKey, type Finding } from '../findings/findings.js'
import type { GateResult } from '../findings/gate.js'

/** One scanned platform image (or the planned one, when the scan gave no report). */
export interface PlatformReport {
  /** `linux/arm64`, or `image` for a target without a platform. */
  label: string
  /** `os/arch[/variant]`, when known. */
  platform?: string
  /** `sha256:…` of the platform image; absent for an image not read from a registry. */
  digest?: string
  /** `repo@sha256:…`, what trivy and cosign named. */
  ref?: string
  /** This platform's counts (and verdict when the gate ran); absent when it produced no report. */
  counts?: GateResult
  /** True when the gate step gave this platform its verdict (else `counts` are for information). */
  gated?: boolean
  reportFile?: string
  sbomFile?: string
}

/** The findings of every platform, each once, worst first, and the platforms each was seen on. */
export interface MergedFindings {
  findings: Finding[]
  /** For each finding of `findings`, the labels of the platforms that reported it, in scan order. */
  platformsOf: Map<Finding, string[]>
}

/**
 * Merges the findings of several platforms (each worst first) into one list, worst first: the same
 * finding (findingKey, as the gate counts it) once, with the platforms it is on.
 */
export function mergeFindings(
  scans: ReadonlyArray<{ label: string; findings: readonly Finding[] }>
): MergedFindings {
  const byKey = new Map<string, Finding>()
  const platformsOf = new Map<Finding, string[]>()
  for (const { label, findings } of scans) {
    for (const f of findings) {
      const key = findingKey(f)
      const first = byKey.get(key)
      if (first) {
        const labels = platformsOf.get(first) as string[]
        if (labels[labels.length - 1] !== label) labels.push(label)
        continue
      }
      byKey.set(key, f)
      platformsOf.set(f, [label])
    }
  }
  // Each list is sorted; the merged one needs one sort (a few platforms of up to 100,000 each).
  const findings = [...byKey.values()].sort(compareFindings)
  return { findings, platformsOf }
}

/** `sha256:` and the first 12 hex digits: enough to tell platform images apart in a table. */
export function shortDigest(digest: string): string {
  return digest.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]+$/i, '$1')
}
