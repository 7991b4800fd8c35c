// The run's verdict and counts as plain text for the step log, where Markdown does not render
// and where people read it first when a job fails. A multi-platform image gets its index digest,
// a line per platform image (digest, verdict, counts), and each signature by platform.
import { SEVERITIES, type SignResult, type VerifyResult } from '../types.js'
import type { Finding } from '../findings/findings.js'
import type { SeverityCounts } from '../findings/gate.js'
import { describeSigner } from '../signer.js'
import type { PlatformReport } from './platform-findings.js'
import { MAX_SARIF_RUNS } from './sarif.js'
import { labelOf } from './summary-signatures.js'
import { findingCounts, verdictLine, type RunSummaryInput } from './summary.js'

const MAX_LOG_FINDINGS = 10

function countsLine(label: string, counts: SeverityCounts, fixable?: SeverityCounts): string {
  const parts = SEVERITIES.map((s) => {
    const fix = fixable && counts[s] > 0 ? ` (${fixable[s]} fixable)` : ''
    return `${counts[s]} ${s.toLowerCase()}${fix}`
  })
  const total = SEVERITIES.reduce((n, s) => n + counts[s], 0)
  return `${label}: ${parts.join(', ')}; ${total} in total`
}

function platformLine(p: PlatformReport): string {
  const where = p.ref ?? p.digest ?? ''
  if (!p.counts) return `  ${p.label} ${where}: no report`
  const verdict = p.gated ? `gate ${p.counts.verdict}` : 'not gated'
  return `  ${p.label} ${where}: ${verdict}; ${countsLine('vulnerabilities', p.counts.counts, p.counts.fixable)}`
}

function signedLines(verb: string, result: SignResult, multi: boolean): string[] {
  const [only, ...others] = result.images
  if (!only) return []
  const by = `${verb} by ${describeSigner(result.signer)}`
  if (!multi && others.length === 0) return [`${by}: ${only.signatureRef}`]
  return [
    `${by}:`,
    ...result.images.map((image) => {
      const type = image.type ? ` ${image.type}` : ''
      const ref = image.target.ref ? ` ${image.target.ref}` : ''
      return `  ${labelOf(image.target)}${type}${ref} -> ${image.signatureRef}`
    })
  ]
}

function verifyLines(verify: VerifyResult, multi: boolean): string[] {
  const lines: string[] = []
  if (!multi && verify.images.length <= 1) {
    const image = verify.images[0]
    lines.push(
      verify.verified
        ? 'Signature verified'
        : `Signature NOT verified: ${image?.failure ?? 'see above'}`
    )
    for (const c of image?.checks ?? [])
      lines.push(`  ${c.passed ? 'ok' : 'FAILED'}: ${c.check}: ${c.detail}`)
    return lines
  }
  const ok = verify.images.filter((image) => image.verified).length
  lines.push(
    `${verify.verified ? 'Signatures verified' : 'Signatures NOT verified'}: ${ok} of ${verify.images.length} images`
  )
  for (const image of verify.images) {
    const result = image.verified ? 'verified' : `NOT verified: ${image.failure ?? 'see above'}`
    lines.push(`  ${labelOf(image.target)} ${image.target.ref}: ${result}`)
    for (const c of image.checks)
      lines.push(`    ${c.passed ? 'ok' : 'FAILED'}: ${c.check}: ${c.detail}`)
  }
  return lines
}

function findingLine(f: Finding, platforms?: readonly string[]): string {
  const score = f.cvssScore !== undefined ? ` ${f.cvssScore.toFixed(1)}` : ''
  const what =
    f.kind === 'vulnerability'
      ? `${f.pkg ?? '?'} ${f.installed ?? ''} -> ${f.fixed ?? 'no fix'}`
      : `${f.path ?? f.target}${f.startLine ? `:${f.startLine}` : ''}`
  const title = f.title.replace(/\s+/g, ' ').slice(0, 120)
  const on = platforms ? ` [${platforms.join(', ')}]` : ''
  return `  ${f.severity}${score} ${f.id} ${what}: ${title}${f.url ? ` ${f.url}` : ''}${on}`
}

/** Plain-text lines, joined with newlines, for core.info. */
export function renderLogText(input: RunSummaryInput): string {
  const lines = [verdictLine(input)]
  const platforms = input.platforms
  if (input.image) {
    lines.push(
      platforms
        ? `Index: ${input.image.pinnedRef} (${platforms.length} of ${input.image.platformImages.length} platform images scanned)`
        : `Image: ${input.image.pinnedRef}`
    )
  }
  if (platforms) lines.push(...platforms.map(platformLine))
  const gate = findingCounts(input)
  if (gate) {
    lines.push(
      input.gate
        ? `Gate threshold: ${gate.threshold === 'NONE' ? 'none (never fails)' : gate.threshold}`
        : 'Gate: not run'
    )
    const over = platforms ? ' (all platforms, each finding once)' : ''
    lines.push(countsLine(`Vulnerabilities${over}`, gate.counts, gate.fixable))
    const others: Array<[string, SeverityCounts]> = [
      ['Secrets', gate.secrets],
      ['Misconfigurations', gate.misconfigurations],
      ['Licenses', gate.licenses]
    ]
    for (const [label, counts] of others) {
      if (SEVERITIES.some((s) => counts[s] > 0)) lines.push(countsLine(label, counts))
    }
  }
  const findings = input.findings ?? []
  if (findings.length > 0) {
    const shown = findings.slice(0, MAX_LOG_FINDINGS)
    lines.push(
      `Worst findings (${shown.length} of ${findings.length}):`,
      ...shown.map((f) => findingLine(f, input.platformsOf?.get(f)))
    )
  }
  const t = input.sarif?.truncated
  if (t) lines.push(`SARIF: kept the ${t.kept} most severe of ${t.total} findings (${t.reason})`)
  const omitted = input.sarif?.omittedPlatforms ?? []
  if (omitted.length > 0)
    lines.push(
      `SARIF: no run for ${omitted.join(', ')} (GitHub takes ${MAX_SARIF_RUNS} runs per file)`
    )
  const multi = platforms !== undefined
  if (input.sign) lines.push(...signedLines('Signed', input.sign, multi))
  if (input.sign && input.indexNotSigned) lines.push(`Note: ${input.indexNotSigned}`)
  if (input.attest) lines.push(...signedLines('Attested', input.attest, multi))
  if (input.verify) lines.push(...verifyLines(input.verify, multi))
  // Report values end up in the log: drop control characters that could forge log commands.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const control = /[\u0000-\u0008\u000a-\u001f\u007f]/g
  return lines.map((line) => line.replace(control, ' ').replace(/^::/, ': :')).join('\n')
}
