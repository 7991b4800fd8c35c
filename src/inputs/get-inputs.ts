// The input boundary: the only module that calls core.getInput*. It reads every input of
// action.yml into one typed, validated `Inputs`, or throws an InputError naming the input.
import * as core from '@actions/core'
import { resolve } from 'node:path'
import { InputError } from '../errors.js'
import { registerSecret } from '../secure-fs/secrets.js'
import { checkCombinations } from './combinations.js'
import { parseEvidenceInputs } from './evidence.js'
import { parseIdentityRegexp } from './identity-regexp.js'
import type { Inputs } from './inputs.js'
import {
  isPem,
  parseBaseUrl,
  parseBoolean,
  parseChoice,
  parseKey,
  parseList,
  parseMaxAge,
  parsePath,
  parseTrustedRootPath,
  shown
} from './parsers.js'
import {
  defaultSarifCategory,
  parseAnnotations,
  parseDbRepositories,
  parseIgnoreFile,
  parseImage,
  parseImageSource,
  parsePlatforms,
  parseAttestations,
  parseScanners,
  parseSteps,
  toolVersion
} from './rules.js'
import type { FailOn, ImageRef } from '../types.js'

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
  platforms: 'all',
  platform: '',
  attestations: 'vuln',
  'image-source': 'registry',
  'trivy-version': '0.74.0',
  'trivy-sha256': '',
  'cosign-version': '3.0.6',
  'cosign-sha256': '',
  'download-base-url': 'https://github.com',
  'sigstore-trusted-root': '',
  'trivy-db-repository': '',
  'cache-db': 'true',
  'db-max-age': '7d',
  'cosign-key': '',
  'cosign-password': '',
  'cosign-public-key': '',
  'certificate-identity': '',
  'certificate-identity-regexp': '',
  'certificate-oidc-issuer': 'https://token.actions.githubusercontent.com',
  'verify-attestations': '',
  'max-scan-age': '',
  'baseline-image': '',
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
  comment: 'false',
  dockerfile: '',
  'github-token': ''
} as const
type InputName = keyof typeof INPUT_DEFAULTS | 'image'

const FAIL_ON = ['critical', 'high', 'medium', 'low', 'unknown', 'none'] as const

function input(name: InputName): string {
  return core.getInput(name) || (name === 'image' ? '' : INPUT_DEFAULTS[name])
}

/** Reads a secret input and registers it with the runner before anything else can log it. */
function secret(name: InputName): string {
  const value = input(name)
  registerSecret(value)
  return value
}

/** The secret inputs, registered with the runner before anything else can log them. */
interface Secrets {
  cosignPassword: string
  registryPassword: string
  githubToken: string
  cosignKeyText: string
}

/** Where path inputs may point: the workspace, and for keys also RUNNER_TEMP. */
interface Roots {
  workspace: string
  /** Files that are read or written: the workspace only. */
  files: string[]
  /** Key files may also sit in RUNNER_TEMP, the place meant for secrets that must not be uploaded. */
  keys: string[]
}

/**
 * Reads, validates and normalises every input, or throws an InputError naming the first bad one.
 * The steps read in the order of the pipeline: secrets, paths, image and steps, scan, tools,
 * registry, signing, reports; then the rules that span several inputs.
 */
export function getInputs(): Inputs {
  const secrets = readSecrets()
  const roots = readRoots()
  const image = parseImage(input('image'))
  const steps = parseSteps(input('steps'))
  const scanOptions = readScanOptions(roots)
  const inputs: Inputs = {
    image,
    steps,
    ...scanOptions,
    ...readTools(roots),
    ...readRegistry(secrets),
    ...readSigning(secrets, roots),
    ...parseEvidenceInputs({
      verifyAttestations: input('verify-attestations'),
      maxScanAge: input('max-scan-age'),
      baselineImage: input('baseline-image'),
      steps,
      attestations: scanOptions.attestations
    }),
    ...readReports(image, secrets, roots),
    workspace: roots.workspace
  }
  checkCombinations(inputs)
  return inputs
}

function readSecrets(): Secrets {
  const secrets = {
    cosignPassword: secret('cosign-password'),
    registryPassword: secret('registry-password'),
    githubToken: secret('github-token'),
    cosignKeyText: input('cosign-key')
  }
  // A key given by its contents is a secret; a path or a key URI is not.
  const key = secrets.cosignKeyText
  if (isPem(key) || /[\r\n]/.test(key)) registerSecret(key)
  return secrets
}

function readRoots(): Roots {
  const workspace = resolve(process.env['GITHUB_WORKSPACE'] || process.cwd())
  const runnerTemp = process.env['RUNNER_TEMP']
  return {
    workspace,
    files: [workspace],
    keys: runnerTemp ? [workspace, resolve(runnerTemp)] : [workspace]
  }
}

type ScanInputs = Pick<
  Inputs,
  | 'failOn'
  | 'ignoreUnfixed'
  | 'ignoreFile'
  | 'vex'
  | 'scanners'
  | 'platforms'
  | 'attestations'
  | 'imageSource'
>

function readScanOptions(roots: Roots): ScanInputs {
  return {
    failOn: parseChoice('fail-on', input('fail-on'), FAIL_ON).toUpperCase() as FailOn,
    ignoreUnfixed: parseBoolean('ignore-unfixed', input('ignore-unfixed'), false),
    ignoreFile: parseIgnoreFile(input('ignore-file'), roots.files),
    vex: parseList(input('vex'), false).map((path) =>
      parsePath('vex', path, { roots: roots.files, exist: 'file' })
    ),
    scanners: parseScanners(input('scanners')),
    platforms: parsePlatforms(input('platforms'), input('platform')),
    attestations: parseAttestations(input('attestations')),
    imageSource: parseImageSource(input('image-source'), roots.files)
  }
}

type ToolInputs = Pick<
  Inputs,
  | 'trivy'
  | 'cosign'
  | 'downloadBaseUrl'
  | 'sigstoreTrustedRoot'
  | 'trivyDbRepositories'
  | 'cacheDb'
  | 'dbMaxAge'
>

function readTools(roots: Roots): ToolInputs {
  return {
    trivy: toolVersion('trivy', input('trivy-version'), input('trivy-sha256')),
    cosign: toolVersion('cosign', input('cosign-version'), input('cosign-sha256')),
    downloadBaseUrl: parseBaseUrl('download-base-url', input('download-base-url'), false),
    sigstoreTrustedRoot: optional(input('sigstore-trusted-root'), (path) =>
      parseTrustedRootPath('sigstore-trusted-root', path, roots.keys)
    ),
    trivyDbRepositories: parseDbRepositories(input('trivy-db-repository')),
    cacheDb: parseBoolean('cache-db', input('cache-db'), true),
    dbMaxAge: parseMaxAge('db-max-age', input('db-max-age'))
  }
}

function readRegistry(secrets: Secrets): Pick<Inputs, 'registryCredentials'> {
  const password = secrets.registryPassword
  const username = oneLine('registry-username', input('registry-username'))
  if (Boolean(username) !== Boolean(password)) {
    const [given, missing] = username
      ? ['registry-username', 'registry-password']
      : ['registry-password', 'registry-username']
    throw new InputError(
      missing,
      `must be set together with ${given}: give both, or neither to use the Docker config`
    )
  }
  return { registryCredentials: username ? { username, password } : undefined }
}

type SigningInputs = Pick<
  Inputs,
  | 'cosignKey'
  | 'cosignPassword'
  | 'cosignPublicKey'
  | 'certificateIdentity'
  | 'certificateIdentityRegexp'
  | 'certificateOidcIssuer'
  | 'annotations'
  | 'recursive'
  | 'tlogUpload'
>

function readSigning(secrets: Secrets, roots: Roots): SigningInputs {
  const keyText = secrets.cosignKeyText
  const publicKeyText = input('cosign-public-key')
  const identity = oneLine('certificate-identity', input('certificate-identity'))
  const identityRegexp = oneLine(
    'certificate-identity-regexp',
    input('certificate-identity-regexp')
  )
  if (identityRegexp) parseIdentityRegexp(identityRegexp)
  const issuer = input('certificate-oidc-issuer')
  parseBaseUrl('certificate-oidc-issuer', issuer, true)
  return {
    cosignKey: keyText ? parseKey('cosign-key', keyText, roots.keys, false) : undefined,
    cosignPassword: secrets.cosignPassword || undefined,
    cosignPublicKey: publicKeyText
      ? parseKey('cosign-public-key', publicKeyText, roots.keys, true)
      : undefined,
    certificateIdentity: identity || undefined,
    certificateIdentityRegexp: identityRegexp || undefined,
    certificateOidcIssuer: issuer,
    annotations: parseAnnotations(input('annotations')),
    recursive: parseBoolean('recursive', input('recursive'), false),
    tlogUpload: parseBoolean('tlog-upload', input('tlog-upload'), true)
  }
}

type ReportInputs = Pick<
  Inputs,
  | 'sarifFile'
  | 'sarifCategory'
  | 'uploadSarif'
  | 'summary'
  | 'annotate'
  | 'comment'
  | 'dockerfile'
  | 'githubToken'
>

function readReports(image: ImageRef, secrets: Secrets, roots: Roots): ReportInputs {
  const sarifCategory = input('sarif-category')
  if (/\s/.test(sarifCategory)) {
    throw new InputError(
      'sarif-category',
      `must be one word without spaces, e.g. imgsec/app (got ${shown(sarifCategory)})`
    )
  }
  return {
    sarifFile: parsePath('sarif-file', input('sarif-file'), { roots: roots.files, exist: 'none' }),
    sarifCategory: sarifCategory || defaultSarifCategory(image),
    uploadSarif: parseBoolean('upload-sarif', input('upload-sarif'), false),
    summary: parseBoolean('summary', input('summary'), true),
    annotate: parseBoolean('annotate', input('annotate'), true),
    comment: parseBoolean('comment', input('comment'), false),
    dockerfile: optional(input('dockerfile'), (path) =>
      parsePath('dockerfile', path, { roots: roots.files, exist: 'file' })
    ),
    githubToken: secrets.githubToken
  }
}

function optional<T>(value: string, parse: (value: string) => T): T | undefined {
  return value === '' ? undefined : parse(value)
}

function oneLine(name: InputName, value: string): string {
  if (/[\r\n]/.test(value)) throw new InputError(name, 'must be a single line')
  return value
}
