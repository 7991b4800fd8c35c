// The pull-request comment as a reviewer reads it: found again by its marker (one per SARIF
// category), verdict first, one row per platform, new findings before the rest, every report value
// escaped, and never over GitHub's 65,536 characters.
import { describe, expect, it } from '@jest/globals'
import type { Finding } from '../../../src/findings/findings.js'
import { evaluateGate } from '../../../src/findings/gate.js'
import {
  commentMarker,
  isOurComment,
  renderPrComment,
  type PrCommentInput
} from '../../../src/publish/pr-comment.js'
import type { ResolvedImage, StepRecord } from '../../../src/types.js'

const DIGEST = 'sha256:' + 'ab'.repeat(32)
const IMAGE: ResolvedImage = {
  ref: { registry: 'ghcr.io', repository: 'acme/api', tag: 'pr-7' },
  name: 'ghcr.io/acme/api',
  digest: DIGEST,
  pinnedRef: `ghcr.io/acme/api@${DIGEST}`,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  isIndex: true,
  platformImages: []
}
const STEPS: StepRecord[] = [
  { step: 'scan', status: 'passed', durationMs: 1000 },
  { step: 'gate', status: 'failed', durationMs: 1 }
]
const RUN = 'https://github.com/acme/api/actions/runs/1001'

function vuln(id: string, severity: Finding['severity'], extra: Partial<Finding> = {}): Finding {
  return {
    kind: 'vulnerability',
    id,
    severity,
    target: 'ghcr.io/acme/api (alpine 3.22)',
    pkg: 'openssl',
    installed: '3.0.0',
    fixed: '3.0.1',
    title: `${id} title`,
    fixable: true,
    ...extra
  }
}

const AMD64 = [vuln('CVE-2026-0001', 'MEDIUM')]
const ARM64 = [vuln('CVE-2026-0009', 'CRITICAL', { pkg: 'zlib' }), vuln('CVE-2026-0001', 'MEDIUM')]

function input(extra: Partial<PrCommentInput> = {}): PrCommentInput {
  const platforms = [
    { label: 'linux/amd64', gate: evaluateGate(AMD64, 'HIGH'), findings: AMD64 },
    { label: 'linux/arm64', gate: evaluateGate(ARM64, 'HIGH'), findings: ARM64 }
  ]
  return {
    category: 'imgsec/ghcr.io/acme/api',
    imageInput: 'ghcr.io/acme/api:pr-7',
    image: IMAGE,
    steps: STEPS,
    gate: { ...evaluateGate(ARM64, 'HIGH'), failingPlatforms: ['linux/arm64'] },
    platforms,
    runUrl: RUN,
    ...extra
  }
}

const rows = (md: string): string[] => md.split('\n').filter((line) => line.startsWith('| '))
const cells = (row: string): number => row.replace(/\\\|/g, '').split(' | ').length

describe('the comment marker', () => {
  it('is the first line, hidden, and carries the SARIF category', () => {
    const md = renderPrComment(input())
    expect(md.split('\n')[0]).toBe(commentMarker('imgsec/ghcr.io/acme/api'))
    expect(commentMarker('imgsec/ghcr.io/acme/api')).toBe(
      '<!-- imgsec-action:pr-comment category=imgsec/ghcr.io/acme/api -->'
    )
    expect(isOurComment(md, 'imgsec/ghcr.io/acme/api')).toBe(true)
  })

  it('tells the images of a matrix apart, also when one category starts another', () => {
    const md = renderPrComment(input({ category: 'imgsec/ghcr.io/acme/api' }))
    expect(isOurComment(md, 'imgsec/ghcr.io/acme/worker')).toBe(false)
    expect(isOurComment(md, 'imgsec/ghcr.io/acme/api-v2')).toBe(false)
    const other = renderPrComment(input({ category: 'imgsec/ghcr.io/acme/api-v2' }))
    expect(isOurComment(other, 'imgsec/ghcr.io/acme/api')).toBe(false)
  })

  it('is not found in a reply that quotes the comment, and is found after a browser edit (CRLF)', () => {
    const md = renderPrComment(input())
    expect(isOurComment(`> ${md}`, 'imgsec/ghcr.io/acme/api')).toBe(false)
    expect(isOurComment(md.replace(/\n/g, '\r\n'), 'imgsec/ghcr.io/acme/api')).toBe(true)
    expect(isOurComment(null, 'imgsec/ghcr.io/acme/api')).toBe(false)
  })

  it('cannot be closed early or forged by the category', () => {
    const marker = commentMarker('a-->b<!--c--d')
    expect(marker.indexOf('-->')).toBe(marker.length - 3)
    expect(marker.slice(4, -4)).not.toMatch(/--|[<>]/)
    expect(commentMarker('a-->b')).not.toBe(commentMarker('a--%3Eb'))
  })
})

describe('the comment', () => {
  it('leads with the verdict and the image, and names the failing platforms', () => {
    const md = renderPrComment(input())
    expect(md.split('\n')[2]).toBe(
      '### ❌ Gate failed on linux/arm64 (1 of 2 platforms): 1 critical at or above HIGH'
    )
    expect(md).toContain(`**Image** \`ghcr.io/acme/api:pr-7\` · **Digest** \`${DIGEST}\``)
  })

  it('has one row of counts per platform and one over all platforms, each finding once', () => {
    const md = renderPrComment(input())
    const table = rows(md).filter((row) => /^\| (`linux|\*\*All)/.test(row))
    expect(table).toEqual([
      '| `linux/amd64` | ✅ passed | 0 | 0 | 1 | 0 | 0 | 1 |',
      '| `linux/arm64` | ❌ failed | 1 | 0 | 1 | 0 | 0 | 2 |',
      '| **All platforms** | ❌ failed | 1 | 0 | 1 | 0 | 0 | 2 |'
    ])
    expect(md).toContain('The gate fails on High and above.')
  })

  it('lists a finding of several platforms once, saying where it was found', () => {
    const md = renderPrComment(input())
    const found = rows(md).filter((row) => row.includes('CVE-2026-'))
    expect(found).toHaveLength(2)
    expect(found[0]).toMatch(/^\| CRITICAL \| CVE-2026-0009 \| zlib .*\| `linux\/arm64` \|/)
    expect(found[1]).toMatch(/^\| MEDIUM \| CVE-2026-0001 \| openssl .*\| all \|/)
  })

  it('shows a single image without an all-platforms row or a platforms column', () => {
    const md = renderPrComment(
      input({
        gate: { ...evaluateGate(AMD64, 'HIGH'), failingPlatforms: [] },
        platforms: [{ label: 'image', gate: evaluateGate(AMD64, 'HIGH'), findings: AMD64 }]
      })
    )
    expect(md).not.toContain('All platforms')
    expect(md).not.toContain('platforms)')
    expect(rows(md).find((row) => row.startsWith('| Severity'))).not.toContain('Platforms')
  })

  it('puts new findings first when there is a baseline, then the fixed ones', () => {
    const baseline = {
      image: 'ghcr.io/acme/api:main',
      new: [vuln('CVE-2026-0009', 'CRITICAL', { pkg: 'zlib' })],
      fixed: [vuln('CVE-2025-7777', 'HIGH', { pkg: 'curl' })],
      stillPresent: 1
    }
    const md = renderPrComment(input({ baseline }))
    expect(md).toContain(
      'Against the baseline `ghcr.io/acme/api:main`: **1 new**, 1 fixed, 1 still present.'
    )
    const newAt = md.indexOf('#### New findings (1)')
    const fixedAt = md.indexOf('#### Fixed findings (1)')
    const worstAt = md.indexOf('#### Worst findings, baseline included (2)')
    expect(newAt).toBeGreaterThan(0)
    expect(fixedAt).toBeGreaterThan(newAt)
    expect(worstAt).toBeGreaterThan(fixedAt)
    expect(md.slice(fixedAt, worstAt)).toContain('CVE-2025-7777')
    expect(renderPrComment(input())).not.toContain('baseline')
  })

  it('says which step could not run, and leaves what the tool printed to the run', () => {
    const md = renderPrComment(
      input({
        gate: undefined,
        platforms: [],
        steps: [
          { step: 'scan', status: 'error', durationMs: 5, reason: 'trivy crashed' },
          { step: 'gate', status: 'skipped', durationMs: 0 }
        ]
      })
    )
    expect(md.split('\n')[2]).toBe('### ❌ scan could not run: trivy crashed')
    expect(md).toContain('**Steps** scan ⚠️ · gate ⏭️')
    expect(md).toContain(`[The run](${RUN}) has the full summary`)
    expect(md).not.toContain('| Platform')
  })
})

describe('values from the report', () => {
  const hostile = vuln('CVE-2026-6666', 'CRITICAL', {
    pkg: 'evil|pkg`<b>',
    installed: '1.0\n| injected | row |',
    title: '<script>alert(1)</script> ](javascript:alert(1)) **bold** | cell',
    url: 'javascript:alert(1)'
  })
  const md = renderPrComment(
    input({
      platforms: [
        { label: 'linux/amd64|x', findings: [hostile] },
        { label: 'linux/arm64', findings: [] }
      ],
      gate: undefined
    })
  )

  it('cannot add HTML, links, rows or cells', () => {
    expect(md).not.toContain('<script>')
    expect(md).not.toContain('<b>')
    expect(md).not.toMatch(/[^\\]\]\(javascript/)
    expect(md).not.toMatch(/^\| injected/m)
    const row = rows(md).find((line) => line.includes('CVE-2026-6666')) as string
    expect(cells(row)).toBe(7)
    expect(row).toContain('&lt;script&gt;')
    expect(row).toContain('evil&#124;pkg\\`&lt;b&gt;')
  })

  it('keeps a platform label inside its cell', () => {
    const row = rows(md).find((line) => line.includes('amd64')) as string
    expect(row.startsWith('| `linux/amd64\\|x` | — |')).toBe(true)
  })
})

describe('the size limit', () => {
  const many = Array.from({ length: 3000 }, (_, i) =>
    vuln(`CVE-2026-${String(i).padStart(5, '0')}`, i % 2 ? 'HIGH' : 'CRITICAL', {
      pkg: `package-${'p'.repeat(200)}-${i}`,
      title: 'A long advisory title '.repeat(20),
      url: `https://avd.aquasec.com/nvd/cve-2026-${i}`
    })
  )

  it('keeps the default rows when they fit, and says how many more the run has', () => {
    const md = renderPrComment(input({ platforms: [{ label: 'image', findings: many }] }))
    expect(md.length).toBeLessThanOrEqual(65_536)
    expect(md).toContain('#### Worst findings (20 of 3000)')
    expect(md).toContain(`2980 more not shown: see [the run](${RUN}).`)
    expect(md).not.toContain('Shortened')
  })

  it('shows fewer rows, with a note, when the comment would be too long', () => {
    const md = renderPrComment(
      input({
        platforms: [{ label: 'image', findings: many }],
        baseline: { new: many, fixed: many, stillPresent: 0 }
      }),
      { caps: { worst: 500, new: 500, fixed: 500 } }
    )
    expect(md.length).toBeLessThanOrEqual(65_536)
    expect(md.length).toBeGreaterThan(30_000)
    expect(md).toContain("Shortened to stay under GitHub's 65,536 characters per comment")
    expect(md.indexOf('#### New findings')).toBeLessThan(md.indexOf('#### Worst findings'))
  })

  it('cuts on a line with the note when even the smallest comment is too long', () => {
    const md = renderPrComment(input(), { maxChars: 700 })
    expect(md.length).toBeLessThanOrEqual(700)
    expect(md.startsWith(commentMarker('imgsec/ghcr.io/acme/api'))).toBe(true)
    expect(md).toContain('Shortened to stay under')
  })
})
