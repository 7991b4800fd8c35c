// The per-platform part of the job summary for a multi-platform image: which platforms failed (for
// the verdict line), and one row per platform image with its digest, verdict and counts.
import { SEVERITIES } from '../types.js'
import { describeFailing, meetsThreshold, type GateResult } from '../findings/gate.js'
import { code, escapeInline, table } from './markdown.js'
import { shortDigest, type PlatformReport } from './platform-findings.js'

/** The platforms whose own gate failed, in scan order. */
export function failingPlatforms(platforms: readonly PlatformReport[]): PlatformReport[] {
  return platforms.filter((p) => p.gated && p.counts?.verdict === 'failed')
}

/**
 * "Gate failed on linux/arm64 (1 of 2 platforms)" or "Gate passed on all 2 platforms": the
 * opening of the verdict line for a multi-platform image.
 */
export function platformsVerdict(gate: GateResult, platforms: readonly PlatformReport[]): string {
  const failing = failingPlatforms(platforms)
  const verdict = gate.verdict === 'failed' ? 'failed' : 'passed'
  // One platform chosen of an index: its name says it all.
  if (platforms.length === 1) return `Gate ${verdict} on ${platforms[0]?.label ?? 'the image'}`
  if (verdict === 'failed') {
    const names = failing.length > 0 ? failing.map((p) => p.label).join(', ') : 'the image'
    return `Gate failed on ${names} (${failing.length} of ${platforms.length} platforms)`
  }
  return `Gate passed on all ${platforms.length} platforms`
}

function verdictCell(p: PlatformReport): string {
  if (!p.counts) return '⚠️ no report'
  if (!p.gated) return '— (no gate)'
  return p.counts.verdict === 'failed'
    ? `❌ failed: ${escapeInline(describeFailing(p.counts))}`
    : '✅ passed'
}

/** One row per platform image: platform, short digest, verdict, vulnerabilities by severity, fixable. */
export function platformsTable(platforms: readonly PlatformReport[]): string {
  const rows = platforms.map((p) => {
    const counts = p.counts
    const cells = SEVERITIES.map((s) => {
      if (!counts) return '—'
      const n = counts.counts[s]
      return n > 0 && p.gated && meetsThreshold(s, counts.threshold) ? `**${n}**` : String(n)
    })
    const fixable = counts ? String(SEVERITIES.reduce((n, s) => n + counts.fixable[s], 0)) : '—'
    return [
      escapeInline(p.label, 100),
      p.digest ? code(shortDigest(p.digest)) : '—',
      verdictCell(p),
      ...cells,
      fixable
    ]
  })
  const header = [
    'Platform',
    'Digest',
    'Verdict',
    ...SEVERITIES.map((s) => s[0] + s.slice(1).toLowerCase()),
    'Fixable'
  ]
  return `### Platforms\n\n${table(header, rows)}`
}
