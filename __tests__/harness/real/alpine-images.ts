// Alpine-like images the real trivy reads (etc/alpine-release, lib/apk/db/installed), built with
// umoci and pushed with skopeo by ../images.ts, and what trivy must find in them, computed from the
// advisories of the offline DB (./trivy-db.ts) and the package lists below, not written by hand.
//
//   IMAGE_PACKAGES.vulnerable / .patched / .clean    the package list of each image
//   pushAlpineImage(registry, repo, tag, packages | { platform: packages })
//   expectedFindings(packages, advisories, { ignoreUnfixed? })   one row per (advisory, package)
//   expectedCounts(findings)   counts by severity, and the fixable ones
import type { PushedImage } from '../images.js'
import { pushImage } from '../images.js'
import type { TestRegistry } from '../registry.js'
import type { Advisories, AdvisorySeverity } from './trivy-db.js'

export interface ApkPackage {
  name: string
  version: string
  /** The source package (`o:`); the DB files advisories under it. */
  origin: string
}

const pkg = (name: string, version: string, origin = name): ApkPackage => ({
  name,
  version,
  origin
})

export const IMAGE_PACKAGES: Readonly<Record<'vulnerable' | 'patched' | 'clean', ApkPackage[]>> = {
  /** Old builds: findings at every severity, fixable and not. */
  vulnerable: [
    pkg('musl', '1.2.5-r10'),
    pkg('busybox', '1.37.0-r18'),
    pkg('ssl_client', '1.37.0-r18', 'busybox'),
    pkg('libcrypto3', '3.5.0-r0', 'openssl'),
    pkg('libssl3', '3.5.0-r0', 'openssl'),
    pkg('zlib', '1.3.1-r2'),
    pkg('apk-tools', '2.14.9-r2'),
    pkg('curl', '8.14.1-r1'),
    pkg('libcurl', '8.14.1-r1', 'curl'),
    pkg('alpine-baselayout', '3.7.0-r0')
  ],
  /** Fixed builds: only unfixed LOW and UNKNOWN findings remain, so `fail-on: high` passes. */
  patched: [
    pkg('musl', '1.2.5-r11'),
    pkg('busybox', '1.37.0-r20'),
    pkg('ssl_client', '1.37.0-r20', 'busybox'),
    pkg('zlib', '1.3.1-r3'),
    pkg('apk-tools', '2.14.9-r3'),
    pkg('alpine-baselayout', '3.7.0-r0')
  ],
  /** Nothing any advisory names. */
  clean: [pkg('alpine-baselayout', '3.7.0-r0'), pkg('ca-certificates-bundle', '20250619-r0')]
}

function installedDb(packages: ApkPackage[]): string {
  const stanza = (p: ApkPackage): string =>
    [`P:${p.name}`, `V:${p.version}`, 'A:x86_64', `o:${p.origin}`, 'L:MIT', ''].join('\n')
  return packages.map(stanza).join('\n') + '\n'
}

/** The files that make a root an Alpine of `release` with these packages. */
export function alpineFiles(release: string, packages: ApkPackage[]): Record<string, string> {
  return {
    'etc/alpine-release': `${release}.0\n`,
    'etc/os-release': `NAME="Alpine Linux"\nID=alpine\nVERSION_ID=${release}.0\n`,
    'lib/apk/db/installed': installedDb(packages)
  }
}

/** Pushes one image, or an index when given packages per platform (`linux/amd64`…). */
export async function pushAlpineImage(
  registry: TestRegistry,
  repository: string,
  tag: string,
  release: string,
  packages: ApkPackage[] | Record<string, ApkPackage[]>
): Promise<PushedImage> {
  const byPlatform = Array.isArray(packages) ? { 'linux/amd64': packages } : packages
  return pushImage(registry, repository, tag, {
    platforms: Object.keys(byPlatform),
    files: (platform) => alpineFiles(release, byPlatform[platform] ?? [])
  })
}

export interface ExpectedFinding {
  id: string
  pkg: string
  installed: string
  fixed: string
  severity: AdvisorySeverity
}

/**
 * apk version order, for the versions these images use: dotted numbers, then `-r<n>`. (trivy uses
 * the full apk rules; these versions never need more.)
 */
export function compareApkVersions(a: string, b: string): number {
  const parts = (v: string): number[] => {
    const [main = '', release = 'r0'] = v.split('-')
    return [...main.split('.').map(Number), Number(release.replace(/^r/, ''))]
  }
  const [pa, pb] = [parts(a), parts(b)]
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (diff !== 0) return Math.sign(diff)
  }
  return 0
}

/** What trivy's Alpine detector must report: each advisory of a package's origin that applies. */
export function expectedFindings(
  packages: ApkPackage[],
  db: Advisories,
  options: { ignoreUnfixed?: boolean } = {}
): ExpectedFinding[] {
  const findings: ExpectedFinding[] = []
  for (const p of packages) {
    for (const adv of db.advisories.filter((a) => a.source === p.origin)) {
      const affected = adv.fixed === '' || compareApkVersions(p.version, adv.fixed) < 0
      if (!affected || (options.ignoreUnfixed && adv.fixed === '')) continue
      findings.push({
        id: adv.id,
        pkg: p.name,
        installed: p.version,
        fixed: adv.fixed,
        severity: adv.severity
      })
    }
  }
  return findings
}

export type Counts = Record<'critical' | 'high' | 'medium' | 'low' | 'unknown', number>

export function expectedCounts(findings: ExpectedFinding[]): { counts: Counts; fixable: number } {
  const counts: Counts = { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 }
  for (const f of findings) counts[f.severity.toLowerCase() as keyof Counts]++
  return { counts, fixable: findings.filter((f) => f.fixed !== '').length }
}
