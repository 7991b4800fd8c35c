// The input boundary: the only module that calls core.getInput*. It reads every input of
// action.yml into one typed, validated `Inputs`, or throws an InputError naming the input.
import * as core from '@actions/core'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { InputError } from '../errors.js'
import { registerSecret } from '../secure-fs/secrets.js'
import {
  isPem,
  parseBaseUrl,
  parseBoolean,
  parseChoice,
  parseKey,
  parseList,
  parsePath,
  parseTrustedRootPath,
  parseSha256,
  shown
} from './parsers.js'
import {
  checkCombinations,
  defaultSarifCategory,
  parseAnnotations,
  parseDbRepositories,
  parseImage,
  parsePlatform
} from './rules.js'
import type { Inputs } from './inputs.js'
import { normalizeVersion, unsignedVersionProblem, versionProblem } from '../tools/releases.js'
import {
  SCANNERS,
  STEPS,
  type FailOn,
  type ImageSource,
  type Scanner,
  type Step,
  type ToolVersionInput
} from '../types.js'

/**
 * The defaults of action.yml, applied here as well because outside a workflow (INPUT_* set by
 * hand) nothing fills them in. __tests__/unit/action-yml.test.ts keeps the two in step. `github-token`
 * defaults to `${{ github.token }}` in action.yml, which only a workflow can expand.
 */
export const INPUT_DEFAULTS = {
  steps: 'scan,gate',
  'fail-on': 'high',
  'ignore-unfixed': 'false',
  'ignore-file': '',
  vex: '',
  scanners: 'vuln',
  platform: '',
  'image-source': 'registry',
  'trivy-version': '0.74.0',
  'trivy-sha256': '',
  'cosign-version': '3.0.6',
  'cosign-sha256': '',
  'download-base-url': 'https://github.com',
  'sigstore-trusted-root': '',
  'trivy-db-repository': '',
  'cache-db': 'true',
  'cosign-key': '',
  'cosign-password': '',
  'cosign-public-key': '',
  'certificate-identity': '',
  'certificate-identity-regexp': '',
  'certificate-oidc-issuer': 'https://token.actions.githubusercontent.com',
  annotations: '',
  recursive: 'false',
  'tlog-upload': 'true',
  'registry-username': '',
  'registry-password': '',
  'sarif-file': 'imgsec-results.sarif',
  'sarif-category': '',
  'upload-sarif': 'false',
  summary: 'true',
  annotate: 'true',
  dockerfile: '',
  'github-token': ''
} as const
type InputName = keyof typeof INPUT_DEFAULTS | 'image'

const FAIL_ON = ['critical', 'high', 'medium', 'low', 'unknown', 'none'] as const
const IMAGE_SOURCES = ['registry', 'docker', 'podman'] as const

function input(name: InputName): string {
  return core.getInput(name) || (name === 'image' ? '' : INPUT_DEFAULTS[name])
}

/** Reads a secret input and registers it with the runner before anything else can log it. */
function secret(name: InputName): string {
  const value = input(name)
  registerSecret(value)
  return value
}

/** Reads, validates and normalises every input, or throws an InputError naming the first bad one. */
export function getInputs(): Inputs {
  const cosignPassword = secret('cosign-password')
  const registryPassword = secret('registry-password')
  const githubToken = secret('github-token')
  const cosignKeyText = input('cosign-key')
  // A key given by its contents is a secret; a path or a key URI is not.
  if (isPem(cosignKeyText) || /[\r\n]/.test(cosignKeyText)) registerSecret(cosignKeyText)

  const workspace = resolve(process.env['GITHUB_WORKSPACE'] || process.cwd())
  const roots = [workspace]
  // Key files may also sit in RUNNER_TEMP, the place meant for secrets that must not be uploaded.
  const runnerTemp = process.env['RUNNER_TEMP']
  const keyRoots = runnerTemp ? [workspace, resolve(runnerTemp)] : roots

  const image = parseImage(input('image'))
  const cosignKey = cosignKeyText
    ? parseKey('cosign-key', cosignKeyText, keyRoots, false)
    : undefined
  const publicKeyText = input('cosign-public-key')
  const username = oneLine('registry-username', input('registry-username'))
  if (Boolean(username) !== Boolean(registryPassword)) {
    const [given, missing] = username
      ? ['registry-username', 'registry-password']
      : ['registry-password', 'registry-username']
    throw new InputError(
      missing,
      `must be set together with ${given}: give both, or neither to use the Docker config`
    )
  }
  const sarifCategory = input('sarif-category')
  if (/\s/.test(sarifCategory)) {
    throw new InputError(
      'sarif-category',
      `must be one word without spaces, e.g. imgsec/app (got ${shown(sarifCategory)})`
    )
  }
  const identity = oneLine('certificate-identity', input('certificate-identity'))
  const identityRegexp = oneLine(
    'certificate-identity-regexp',
    input('certificate-identity-regexp')
  )
  const issuer = input('certificate-oidc-issuer')
  parseBaseUrl('certificate-oidc-issuer', issuer, true)

  const inputs: Inputs = {
    image,
    steps: parseSteps(input('steps')),
    failOn: parseChoice('fail-on', input('fail-on'), FAIL_ON).toUpperCase() as FailOn,
    ignoreUnfixed: parseBoolean('ignore-unfixed', input('ignore-unfixed'), false),
    ignoreFile: parseIgnoreFile(input('ignore-file'), roots),
    vex: parseList(input('vex'), false).map((path) =>
      parsePath('vex', path, { roots, exist: 'file' })
    ),
    scanners: parseScanners(input('scanners')),
    platform: parsePlatform(input('platform')),
    imageSource: parseImageSource(input('image-source'), roots),
    trivy: toolVersion('trivy', input('trivy-version'), input('trivy-sha256')),
    cosign: toolVersion('cosign', input('cosign-version'), input('cosign-sha256')),
    downloadBaseUrl: parseBaseUrl('download-base-url', input('download-base-url'), false),
    sigstoreTrustedRoot: optional(input('sigstore-trusted-root'), (path) =>
      parseTrustedRootPath('sigstore-trusted-root', path, keyRoots)
    ),
    trivyDbRepositories: parseDbRepositories(input('trivy-db-repository')),
    cacheDb: parseBoolean('cache-db', input('cache-db'), true),
    cosignKey,
    cosignPassword: cosignPassword || undefined,
    cosignPublicKey: publicKeyText
      ? parseKey('cosign-public-key', publicKeyText, keyRoots, true)
      : undefined,
    certificateIdentity: identity || undefined,
    certificateIdentityRegexp: identityRegexp || undefined,
    certificateOidcIssuer: issuer,
    annotations: parseAnnotations(input('annotations')),
    recursive: parseBoolean('recursive', input('recursive'), false),
    tlogUpload: parseBoolean('tlog-upload', input('tlog-upload'), true),
    registryCredentials: username ? { username, password: registryPassword } : undefined,
    sarifFile: parsePath('sarif-file', input('sarif-file'), { roots, exist: 'none' }),
    sarifCategory: sarifCategory || defaultSarifCategory(image),
    uploadSarif: parseBoolean('upload-sarif', input('upload-sarif'), false),
    summary: parseBoolean('summary', input('summary'), true),
    annotate: parseBoolean('annotate', input('annotate'), true),
    dockerfile: optional(input('dockerfile'), (path) =>
      parsePath('dockerfile', path, { roots, exist: 'file' })
    ),
    githubToken,
    workspace
  }
  checkCombinations(inputs)
  return inputs
}

function optional<T>(value: string, parse: (value: string) => T): T | undefined {
  return value === '' ? undefined : parse(value)
}

function oneLine(name: InputName, value: string): string {
  if (/[\r\n]/.test(value)) throw new InputError(name, 'must be a single line')
  return value
}

function parseSteps(value: string): ReadonlySet<Step> {
  const listed = parseList(value, true).map((entry) => parseChoice('steps', entry, STEPS))
  if (listed.length === 0)
    throw new InputError('steps', `must list at least one of ${STEPS.join(', ')}`)
  return new Set(STEPS.filter((step) => listed.includes(step)))
}

function parseScanners(value: string): Scanner[] {
  const listed = parseList(value, true).map((entry) => parseChoice('scanners', entry, SCANNERS))
  if (listed.length === 0)
    throw new InputError('scanners', `must list at least one of ${SCANNERS.join(', ')}`)
  return listed
}

/** The given file, which must exist; otherwise `.trivyignore` when the workspace has one. */
function parseIgnoreFile(value: string, roots: string[]): string | undefined {
  if (value !== '') return parsePath('ignore-file', value, { roots, exist: 'file' })
  const fallback = resolve(roots[0] ?? '.', '.trivyignore')
  return existsSync(fallback)
    ? parsePath('ignore-file', fallback, { roots, exist: 'file' })
    : undefined
}

function parseImageSource(value: string, roots: string[]): ImageSource {
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

function toolVersion(
  tool: 'trivy' | 'cosign',
  versionText: string,
  sha256Text: string
): ToolVersionInput {
  const name = tool === 'trivy' ? 'trivy-version' : 'cosign-version'
  // A leading `v` is accepted (release tags carry one); releases.ts words the refusals.
  const version = normalizeVersion(versionText)
  const problem = versionProblem(tool, version)
  if (problem) throw new InputError(name, problem)
  const sha256 = parseSha256(tool === 'trivy' ? 'trivy-sha256' : 'cosign-sha256', sha256Text)
  const unsigned = sha256 ? undefined : unsignedVersionProblem(tool, version)
  if (unsigned) throw new InputError(`${tool}-sha256`, unsigned)
  return sha256 ? { version, sha256 } : { version }
}
