// Input rules specific to this action: the image, step and list formats, the image source, tool
// versions, the default SARIF category. get-inputs.ts reads the values and hands them over;
// combinations.ts checks the rules that span several inputs.
import { existsSync } from 'node:fs'
import * as semver from 'semver'
import { resolve } from 'node:path'
import { InputError } from '../errors.js'
import { parseImageRef } from '../registry/image-ref.js'
import { parseChoice, parseList, parsePath, parseSha256, shown } from './parsers.js'
import { normalizeVersion, unsignedVersionProblem, versionProblem } from '../tools/releases.js'
import {
  ATTESTATION_TYPES,
  SCANNERS,
  type AttestationType,
  type PlatformSelection,
  STEPS,
  type ImageRef,
  type ImageSource,
  type Scanner,
  type Step,
  type ToolVersionInput
} from '../types.js'

const IMAGE_SOURCES = ['registry', 'docker', 'podman'] as const

const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/
const ANNOTATION_KEY = /^[^\s=]+$/

/** An image reference: the `image` input, or another input that names one (`baseline-image`). */
export function parseImage(value: string, name: 'image' | 'baseline-image' = 'image'): ImageRef {
  const allowed = 'expected name[:tag][@sha256:<digest>] in lower case, e.g. ghcr.io/org/app:1.2'
  if (value === '') throw new InputError(name, `is required: ${allowed}`)
  if (/\s/.test(value))
    throw new InputError(
      name,
      `must not contain spaces or line breaks: ${allowed} (got ${shown(value)})`
    )
  try {
    return parseImageRef(value)
  } catch (error) {
    throw new InputError(
      name,
      `${error instanceof Error ? error.message : String(error)}: ${allowed}`
    )
  }
}

/**
 * `platforms`: `all`, or `os/arch[/variant]` entries (comma- or newline-separated). `platform`, the
 * input it replaces, is read as a one-entry list so that an old workflow keeps its meaning.
 */
export function parsePlatforms(value: string, legacy: string): PlatformSelection {
  const allowed = "'all', or os/arch[/variant] entries in lower case, e.g. linux/amd64,linux/arm64"
  if (legacy !== '') {
    if (value !== 'all' && value !== '') {
      throw new InputError('platform', 'is replaced by platforms: give platforms only')
    }
    value = legacy
  }
  const entries = parseList(value, true)
  if (entries.length === 0 || (entries.length === 1 && entries[0] === 'all')) return { kind: 'all' }
  const name = legacy !== '' ? 'platform' : 'platforms'
  for (const entry of entries) {
    if (entry === 'all') throw new InputError(name, `'all' cannot be combined with platforms`)
    if (!PLATFORM.test(entry))
      throw new InputError(name, `must be ${allowed} (got ${shown(entry)})`)
  }
  return { kind: 'list', platforms: [...new Set(entries)] }
}

export function parseAttestations(value: string): AttestationType[] {
  const allowed = ATTESTATION_TYPES.join(', ')
  const entries = parseList(value, true)
  if (entries.length === 0) throw new InputError('attestations', `must list one of ${allowed}`)
  for (const entry of entries) {
    if (!(ATTESTATION_TYPES as readonly string[]).includes(entry)) {
      throw new InputError('attestations', `must list ${allowed} (got ${shown(entry)})`)
    }
  }
  // In a fixed order, whatever order they are listed in: vuln first.
  return ATTESTATION_TYPES.filter((type) => entries.includes(type))
}

export function parseDbRepositories(value: string): string[] {
  return parseList(value, false).map((repository) => {
    const allowed =
      'each line must be an OCI repository without a scheme, e.g. ghcr.io/aquasecurity/trivy-db:2'
    if (repository.includes('://') || /\s/.test(repository)) {
      throw new InputError('trivy-db-repository', `${allowed} (got ${shown(repository)})`)
    }
    try {
      parseImageRef(repository)
    } catch (error) {
      throw new InputError(
        'trivy-db-repository',
        `${allowed}; ${error instanceof Error ? error.message : String(error)}`
      )
    }
    return repository
  })
}

export function parseAnnotations(value: string): Array<[string, string]> {
  const pairs = new Map<string, string>()
  for (const line of parseList(value, false)) {
    const eq = line.indexOf('=')
    const key = line.slice(0, Math.max(eq, 0))
    if (eq <= 0 || !ANNOTATION_KEY.test(key) || pairs.has(key)) {
      const why = pairs.has(key) ? `key ${shown(key)} is given twice` : `got ${shown(line)}`
      throw new InputError(
        'annotations',
        `must be key=value lines, each key once and without spaces (${why})`
      )
    }
    pairs.set(key, line.slice(eq + 1))
  }
  return [...pairs]
}

/** `imgsec/<registry host>/<repository>`: no tag, digest or port, so it stays the same from run to run. */
export function defaultSarifCategory(image: ImageRef): string {
  return `imgsec/${image.registry.replace(/:[0-9]+$/, '')}/${image.repository}`
}

export function parseSteps(value: string): ReadonlySet<Step> {
  const listed = parseList(value, true).map((entry) => parseChoice('steps', entry, STEPS))
  if (listed.length === 0)
    throw new InputError('steps', `must list at least one of ${STEPS.join(', ')}`)
  return new Set(STEPS.filter((step) => listed.includes(step)))
}

export function parseScanners(value: string): Scanner[] {
  const listed = parseList(value, true).map((entry) => parseChoice('scanners', entry, SCANNERS))
  if (listed.length === 0)
    throw new InputError('scanners', `must list at least one of ${SCANNERS.join(', ')}`)
  return listed
}

/** The given file, which must exist; otherwise `.trivyignore` when the workspace has one. */
export function parseIgnoreFile(value: string, roots: string[]): string | undefined {
  if (value !== '') return parsePath('ignore-file', value, { roots, exist: 'file' })
  const fallback = resolve(roots[0] ?? '.', '.trivyignore')
  return existsSync(fallback)
    ? parsePath('ignore-file', fallback, { roots, exist: 'file' })
    : undefined
}

export function parseImageSource(value: string, roots: string[]): ImageSource {
  const named = IMAGE_SOURCES.find((source) => source === value.toLowerCase())
  if (named) return { kind: named }
  try {
    return { kind: 'tarball', path: parsePath('image-source', value, { roots, exist: 'any' }) }
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    const problem = error.message.replace(/^Input '[^']*': /, '')
    throw new InputError(
      'image-source',
      `must be registry, docker, podman or an image tarball path inside the workspace; ${problem}`
    )
  }
}

export function toolVersion(
  tool: 'trivy' | 'cosign',
  versionText: string,
  sha256Text: string
): ToolVersionInput {
  const name = tool === 'trivy' ? 'trivy-version' : 'cosign-version'
  // A leading `v` is accepted (release tags carry one); releases.ts words the refusals.
  const version = normalizeVersion(versionText)
  const problem = versionProblem(tool, version) ?? releaseProblem(tool, version)
  if (problem) throw new InputError(name, problem)
  const sha256 = parseSha256(tool === 'trivy' ? 'trivy-sha256' : 'cosign-sha256', sha256Text)
  const unsigned = sha256 ? undefined : unsignedVersionProblem(tool, version)
  if (unsigned) throw new InputError(`${tool}-sha256`, unsigned)
  return sha256 ? { version, sha256 } : { version }
}

/**
 * A pre-release or build of a refused release is refused too: `0.69.4-rc.1` is not on the list of
 * compromised versions, but it is the same release line.
 */
function releaseProblem(tool: 'trivy' | 'cosign', version: string): string | undefined {
  const parsed = semver.parse(version)
  if (!parsed || (parsed.prerelease.length === 0 && parsed.build.length === 0)) return undefined
  const release = `${parsed.major}.${parsed.minor}.${parsed.patch}`
  const problem = versionProblem(tool, release)
  return (
    problem && `'${version}' is a pre-release or build of ${release}, which is refused: ${problem}`
  )
}
