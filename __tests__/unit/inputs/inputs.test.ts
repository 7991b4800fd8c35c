// The input boundary as a user meets it: INPUT_* variables in, a typed Inputs or a one-line error
// naming the input and what it allows out, with secrets masked before anything is logged.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InputError } from '../../../src/errors.js'
import { getInputs } from '../../../src/inputs/get-inputs.js'

const DIGEST = `sha256:${'a'.repeat(64)}`
const PEM_BODY = [
  'MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAiQkRtYq',
  'W1EhBgICCAAwDAYIKoZIhvcNAgkF'
]
const PEM = `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${PEM_BODY.join('\n')}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----`

let workspace: string
let runnerTemp: string
let stdout: string[]

function setInputs(values: Record<string, string>): void {
  for (const [name, value] of Object.entries(values))
    process.env[`INPUT_${name.toUpperCase()}`] = value
}

function touch(...paths: string[]): void {
  for (const path of paths) {
    mkdirSync(join(workspace, path, '..'), { recursive: true })
    writeFileSync(join(workspace, path), 'x')
  }
}

beforeEach(() => {
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key]
  workspace = mkdtempSync(join(tmpdir(), 'imgsec-inputs-ws-'))
  runnerTemp = mkdtempSync(join(tmpdir(), 'imgsec-inputs-temp-'))
  process.env['GITHUB_WORKSPACE'] = workspace
  process.env['RUNNER_TEMP'] = runnerTemp
  stdout = []
  // @actions/core writes workflow commands (::add-mask::) to stdout: capture them.
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk))
    return true
  })
})

afterEach(() => {
  jest.restoreAllMocks()
  rmSync(workspace, { recursive: true, force: true })
  rmSync(runnerTemp, { recursive: true, force: true })
})

interface BadCase {
  what: string
  inputs: Record<string, string>
  /** The input the message must name. */
  input: string
  /** What the message must say is allowed (or what is wrong). */
  says: RegExp
  files?: string[]
  /** A value that must not appear in the message (a secret). */
  hidden?: string
}

const BAD: BadCase[] = [
  {
    what: 'no image',
    inputs: { image: '' },
    input: 'image',
    says: /required: expected name\[:tag\]/
  },
  {
    what: 'image with a shell command',
    inputs: { image: 'alpine;rm -rf /' },
    input: 'image',
    says: /must not contain spaces.*name\[:tag\]/
  },
  {
    what: 'image with $()',
    inputs: { image: 'alpine$(id)' },
    input: 'image',
    says: /cannot be in an image reference/
  },
  {
    what: 'image with a line break',
    inputs: { image: 'alpine\nbusybox' },
    input: 'image',
    says: /must not contain spaces or line breaks/
  },
  {
    what: 'upper-case image',
    inputs: { image: 'ghcr.io/Org/App' },
    input: 'image',
    says: /must be lower case.*in lower case/
  },
  {
    what: 'unknown step',
    inputs: { steps: 'scan,deploy' },
    input: 'steps',
    says: /one of scan, gate, sign, attest, verify \(got "deploy"\)/
  },
  {
    what: 'no step',
    inputs: { steps: ' , \n' },
    input: 'steps',
    says: /at least one of scan, gate/
  },
  {
    what: 'gate without scan',
    inputs: { steps: 'gate' },
    input: 'steps',
    says: /'gate' needs 'scan'/
  },
  {
    what: 'attest without scan',
    inputs: { steps: 'sign,attest' },
    input: 'steps',
    says: /'attest' needs 'scan'/
  },
  {
    what: 'sign without gate',
    inputs: { steps: 'scan,sign' },
    input: 'steps',
    says: /'sign' needs 'scan' and 'gate'/
  },
  {
    what: 'unknown severity',
    inputs: { 'fail-on': 'severe' },
    input: 'fail-on',
    says: /one of critical, high, medium, low, unknown, none \(got "severe"\)/
  },
  {
    what: 'a list as fail-on',
    inputs: { 'fail-on': 'CRITICAL,HIGH' },
    input: 'fail-on',
    says: /must be one of critical/
  },
  {
    what: 'yes as a boolean',
    inputs: { 'ignore-unfixed': 'yes' },
    input: 'ignore-unfixed',
    says: /must be true or false \(got "yes"\)/
  },
  {
    what: '1 as a boolean',
    inputs: { 'cache-db': '1' },
    input: 'cache-db',
    says: /must be true or false/
  },
  {
    what: 'tRuE as a boolean',
    inputs: { 'tlog-upload': 'tRuE' },
    input: 'tlog-upload',
    says: /must be true or false/
  },
  {
    what: 'unknown scanner',
    inputs: { scanners: 'vuln,sbom' },
    input: 'scanners',
    says: /one of vuln, secret, misconfig, license/
  },
  {
    what: 'platform without arch',
    inputs: { platform: 'linux' },
    input: 'platform',
    says: /os\/arch\[\/variant\]/
  },
  {
    what: 'upper-case platform',
    inputs: { platform: 'Linux/AMD64' },
    input: 'platform',
    says: /os\/arch\[\/variant\] entries in lower case/
  },
  {
    what: 'platforms and the platform input it replaces, both given',
    inputs: { platforms: 'linux/amd64', platform: 'linux/arm64' },
    input: 'platform',
    says: /is replaced by platforms: give platforms only/
  },
  {
    what: 'a platforms entry without arch',
    inputs: { platforms: 'linux/amd64,linux' },
    input: 'platforms',
    says: /os\/arch\[\/variant\] entries in lower case.*\(got "linux"\)/
  },
  {
    what: 'all among listed platforms',
    inputs: { platforms: 'all\nlinux/amd64' },
    input: 'platforms',
    says: /'all' cannot be combined with platforms/
  },
  {
    what: 'unknown attestation type',
    inputs: { attestations: 'vuln,provenance' },
    input: 'attestations',
    says: /must list vuln, sbom \(got "provenance"\)/
  },
  {
    what: 'no attestation type',
    inputs: { attestations: ' , ' },
    input: 'attestations',
    says: /must list one of vuln, sbom/
  },
  {
    what: 'several platforms of an image from the Docker daemon',
    inputs: { platforms: 'linux/amd64,linux/arm64', 'image-source': 'docker' },
    input: 'platforms',
    says: /can list one platform only with image-source docker/
  },
  {
    what: 'docker source with sign',
    inputs: { steps: 'scan,gate,sign', 'image-source': 'docker' },
    input: 'image-source',
    says: /must be registry when steps include sign/
  },
  {
    what: 'missing tarball',
    inputs: { 'image-source': 'image.tar' },
    input: 'image-source',
    says: /registry, docker, podman or an image tarball path.*does not exist/
  },
  {
    what: 'tarball outside the workspace',
    inputs: { 'image-source': '../image.tar' },
    input: 'image-source',
    says: /inside the workspace/
  },
  {
    what: 'latest trivy',
    inputs: { 'trivy-version': 'latest' },
    input: 'trivy-version',
    says: /'latest' is refused: name an exact version/
  },
  {
    what: 'compromised trivy',
    inputs: { 'trivy-version': '0.69.4' },
    input: 'trivy-version',
    says: /never installed.*GHSA-69fq-xp46-6x23.*Use 0\.74\.0/
  },
  {
    what: 'suspect trivy',
    inputs: { 'trivy-version': 'v0.69.6' },
    input: 'trivy-version',
    says: /suspect/
  },
  {
    what: 'partial version',
    inputs: { 'trivy-version': '0.74' },
    input: 'trivy-version',
    says: /not an exact trivy version such as 0\.74\.0/
  },
  {
    what: 'version range',
    inputs: { 'cosign-version': '^3.0.0' },
    input: 'cosign-version',
    says: /not an exact cosign version/
  },
  {
    what: 'old cosign',
    inputs: { 'cosign-version': 'v1.13.1' },
    input: 'cosign-version',
    says: /older than 2\.2\.0, the oldest version/
  },
  {
    what: 'old trivy',
    inputs: { 'trivy-version': '0.30.0' },
    input: 'trivy-version',
    says: /older than/
  },
  {
    what: 'unpinned trivy too old to be signed, without trivy-sha256',
    inputs: { 'trivy-version': '0.68.0' },
    input: 'trivy-sha256',
    says: /is needed for trivy 0\.68\.0: releases before 0\.68\.1 have no Sigstore signature/
  },
  {
    what: 'unpinned cosign too old to be signed, without cosign-sha256',
    inputs: { 'cosign-version': '2.6.1' },
    input: 'cosign-sha256',
    says: /is needed for cosign 2\.6\.1: releases before 3\.0\.2/
  },
  {
    what: 'sigstore-trusted-root outside the workspace and RUNNER_TEMP',
    inputs: { 'sigstore-trusted-root': '/etc/hostname' },
    input: 'sigstore-trusted-root',
    says: /inside the workspace or/
  },
  {
    what: 'sigstore-trusted-root that is not a trusted root',
    inputs: { 'sigstore-trusted-root': 'root.json' },
    files: ['root.json'],
    input: 'sigstore-trusted-root',
    says: /must be a Sigstore trusted_root\.json/
  },
  {
    what: 'short sha256',
    inputs: { 'trivy-sha256': 'abc123' },
    input: 'trivy-sha256',
    says: /64 hex characters/
  },
  {
    what: 'non-hex sha256',
    inputs: { 'cosign-sha256': 'z'.repeat(64) },
    input: 'cosign-sha256',
    says: /64 hex characters/
  },
  {
    what: 'file: base URL',
    inputs: { 'download-base-url': 'file:///etc' },
    input: 'download-base-url',
    says: /http:\/\/ or https:\/\/ URL/
  },
  {
    what: 'ftp: base URL',
    inputs: { 'download-base-url': 'ftp://mirror.example' },
    input: 'download-base-url',
    says: /http:\/\/ or https:\/\/ URL/
  },
  {
    what: 'javascript: base URL',
    inputs: { 'download-base-url': 'javascript:alert(1)' },
    input: 'download-base-url',
    says: /http:\/\/ or https:\/\/ URL/
  },
  {
    what: 'garbage base URL',
    inputs: { 'download-base-url': 'mirror dot com' },
    input: 'download-base-url',
    says: /http:\/\/ or https:\/\/ URL/
  },
  {
    what: 'base URL with credentials',
    inputs: { 'download-base-url': 'https://u:secretpw@mirror.example' },
    input: 'download-base-url',
    says: /without credentials/,
    hidden: 'secretpw'
  },
  {
    what: 'sarif-file leaving the workspace',
    inputs: { 'sarif-file': '../results.sarif' },
    input: 'sarif-file',
    says: /path inside the workspace/
  },
  {
    what: 'absolute sarif-file outside',
    inputs: { 'sarif-file': '/etc/results.sarif' },
    input: 'sarif-file',
    says: /path inside the workspace/
  },
  {
    what: 'sarif-file naming a directory',
    inputs: { 'sarif-file': 'out' },
    input: 'sarif-file',
    says: /not a directory/,
    files: ['out/x']
  },
  {
    what: 'missing ignore-file',
    inputs: { 'ignore-file': 'ignore.yaml' },
    input: 'ignore-file',
    says: /existing file inside the workspace/
  },
  {
    what: 'missing vex',
    inputs: { vex: 'vex/a.json\nvex/b.json' },
    input: 'vex',
    says: /existing file.*vex\/b\.json/,
    files: ['vex/a.json']
  },
  {
    what: 'missing dockerfile',
    inputs: { dockerfile: 'Dockerfile' },
    input: 'dockerfile',
    says: /existing file/
  },
  {
    what: 'dockerfile outside',
    inputs: { dockerfile: '../Dockerfile' },
    input: 'dockerfile',
    says: /path inside the workspace/
  },
  {
    what: 'db repository with a scheme',
    inputs: { 'trivy-db-repository': 'ghcr.io/aquasecurity/trivy-db:2\nhttps://mirror/db' },
    input: 'trivy-db-repository',
    says: /OCI repository without a scheme/
  },
  {
    what: 'db repository in upper case',
    inputs: { 'trivy-db-repository': 'ghcr.io/Aqua/db' },
    input: 'trivy-db-repository',
    says: /OCI repository without a scheme.*lower case/
  },
  {
    what: 'annotation without =',
    inputs: { annotations: 'team' },
    input: 'annotations',
    says: /key=value lines/
  },
  {
    what: 'annotation key with a space',
    inputs: { annotations: 'my team=x' },
    input: 'annotations',
    says: /key=value lines.*without spaces/
  },
  {
    what: 'annotation key twice',
    inputs: { annotations: 'a=1\na=2' },
    input: 'annotations',
    says: /key "a" is given twice/
  },
  {
    what: 'sarif-category with a space',
    inputs: { 'sarif-category': 'my app' },
    input: 'sarif-category',
    says: /without spaces/
  },
  {
    what: 'http issuer',
    inputs: { 'certificate-oidc-issuer': 'http://issuer.example' },
    input: 'certificate-oidc-issuer',
    says: /an https:\/\/ URL/
  },
  {
    what: 'identity and regexp',
    inputs: { steps: 'verify', 'certificate-identity': 'a', 'certificate-identity-regexp': '.*' },
    input: 'certificate-identity-regexp',
    says: /give one of them/
  },
  {
    what: 'verify with nothing to verify against',
    inputs: { steps: 'verify' },
    input: 'cosign-public-key',
    says: /is needed to verify without sign.*certificate-identity-regexp/
  },
  {
    what: 'password without key',
    inputs: { 'cosign-password': 'hunter22' },
    input: 'cosign-password',
    says: /without cosign-key/,
    hidden: 'hunter22'
  },
  {
    what: 'registry password without user',
    inputs: { 'registry-password': 'hunter22' },
    input: 'registry-username',
    says: /together with registry-password/,
    hidden: 'hunter22'
  },
  {
    what: 'registry user without password',
    inputs: { 'registry-username': 'bob' },
    input: 'registry-password',
    says: /together with registry-username/
  },
  {
    what: 'key with an unknown scheme',
    inputs: { steps: 'scan,gate,sign', 'cosign-key': 'ftp://keys/cosign.key' },
    input: 'cosign-key',
    says: /PEM contents, a key file .*env:\/\//,
    hidden: 'ftp://keys'
  },
  {
    what: 'missing key file',
    inputs: { steps: 'scan,gate,sign', 'cosign-key': 'cosign.key' },
    input: 'cosign-key',
    says: /PEM contents, a key file/
  },
  {
    what: 'key file outside',
    inputs: { steps: 'scan,gate,sign', 'cosign-key': '/etc/passwd' },
    input: 'cosign-key',
    says: /PEM contents, a key file/
  },
  {
    what: 'PEM cut short',
    inputs: {
      steps: 'scan,gate,sign',
      'cosign-key': `-----BEGIN EC PRIVATE KEY-----\n${PEM_BODY[0]}`
    },
    input: 'cosign-key',
    says: /no -----END/,
    hidden: PEM_BODY[0]
  },
  {
    what: 'http public key URL',
    inputs: { steps: 'verify', 'cosign-public-key': 'http://keys.example/cosign.pub' },
    input: 'cosign-public-key',
    says: /an https:\/\/ URL/
  },
  {
    what: 'key and identity',
    inputs: { steps: 'verify', 'cosign-public-key': 'env://PUB', 'certificate-identity': 'me' },
    input: 'cosign-public-key',
    says: /cannot be given together with certificate-identity/
  },
  {
    what: 'keyless sign verified by key',
    inputs: { steps: 'scan,gate,sign,verify', 'cosign-public-key': 'env://PUB' },
    input: 'cosign-public-key',
    says: /keyless signature.*give cosign-key/
  },
  {
    what: 'keyed sign verified by identity',
    inputs: {
      steps: 'scan,gate,sign,verify',
      'cosign-key': 'env://KEY',
      'certificate-identity-regexp': '.*'
    },
    input: 'certificate-identity-regexp',
    says: /keyed signature/
  },
  {
    what: 'upload without token',
    inputs: { 'upload-sarif': 'true' },
    input: 'github-token',
    says: /must be set when upload-sarif is true/
  },
  {
    what: 'comment without token',
    inputs: { comment: 'true' },
    input: 'github-token',
    says: /must be set when comment is true/
  },
  {
    what: 'comment not a boolean',
    inputs: { comment: 'yes please' },
    input: 'comment',
    says: /true or false/
  },
  {
    what: 'multi-line identity',
    inputs: { steps: 'verify', 'certificate-identity': 'a\nb' },
    input: 'certificate-identity',
    says: /single line/
  }
]

describe('getInputs refuses bad inputs with one line naming the input', () => {
  it.each(BAD)('$what', ({ inputs, input, says, files, hidden }) => {
    touch(...(files ?? []))
    setInputs({ image: 'alpine:3.20', ...inputs })
    let error: unknown
    try {
      getInputs()
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(InputError)
    const message = (error as InputError).message
    expect(message).not.toMatch(/[\r\n]/)
    expect(message.startsWith(`Input '${input}': `)).toBe(true)
    expect(message).toMatch(says)
    if (hidden) expect(message).not.toContain(hidden)
  })
})

describe('getInputs reads good inputs', () => {
  it('applies the defaults of action.yml when only image is set', () => {
    setInputs({ image: 'alpine' })
    const inputs = getInputs()
    expect(inputs.image).toEqual({
      registry: 'docker.io',
      repository: 'library/alpine',
      tag: 'latest',
      digest: undefined
    })
    expect([...inputs.steps]).toEqual(['scan', 'gate'])
    expect(inputs).toMatchObject({
      failOn: 'HIGH',
      ignoreUnfixed: false,
      vex: [],
      scanners: ['vuln'],
      imageSource: { kind: 'registry' },
      platforms: { kind: 'all' },
      attestations: ['vuln'],
      trivy: { version: '0.74.0' },
      cosign: { version: '3.0.6' },
      downloadBaseUrl: 'https://github.com',
      trivyDbRepositories: [],
      cacheDb: true,
      certificateOidcIssuer: 'https://token.actions.githubusercontent.com',
      annotations: [],
      recursive: false,
      tlogUpload: true,
      sarifFile: join(workspace, 'imgsec-results.sarif'),
      sarifCategory: 'imgsec/docker.io/library/alpine',
      uploadSarif: false,
      summary: true,
      annotate: true,
      comment: false,
      githubToken: '',
      workspace
    })
    for (const absent of [
      'ignoreFile',
      'platform',
      'cosignKey',
      'cosignPublicKey',
      'dockerfile',
      'registryCredentials'
    ]) {
      expect(inputs[absent as keyof typeof inputs]).toBeUndefined()
    }
  })

  it('normalises Docker Hub names and keeps a pinned digest', () => {
    setInputs({ image: `index.docker.io/org/app:1.2@${DIGEST}` })
    expect(getInputs().image).toEqual({
      registry: 'docker.io',
      repository: 'org/app',
      tag: '1.2',
      digest: DIGEST
    })
  })

  it('runs steps in pipeline order whatever order they are listed in, once each', () => {
    setInputs({
      image: 'ghcr.io/org/app:1',
      steps: 'verify\nsign, gate,SCAN ,scan',
      'cosign-key': 'env://COSIGN_KEY'
    })
    expect([...getInputs().steps]).toEqual(['scan', 'gate', 'sign', 'verify'])
  })

  it('reads multi-line lists, one entry per line (commas too for scanners)', () => {
    touch('vex/a.json', 'vex/b.json')
    setInputs({
      image: 'alpine',
      vex: 'vex/a.json\n\n  vex/b.json  ',
      scanners: 'vuln,secret\nlicense\nvuln',
      'trivy-db-repository': 'mirror.gcr.io/aquasec/trivy-db:2\nghcr.io/aquasecurity/trivy-db:2',
      annotations: 'team=platform\nrun=https://example/x?a=b'
    })
    const inputs = getInputs()
    expect(inputs.vex).toEqual([join(workspace, 'vex/a.json'), join(workspace, 'vex/b.json')])
    expect(inputs.scanners).toEqual(['vuln', 'secret', 'license'])
    expect(inputs.trivyDbRepositories).toEqual([
      'mirror.gcr.io/aquasec/trivy-db:2',
      'ghcr.io/aquasecurity/trivy-db:2'
    ])
    expect(inputs.annotations).toEqual([
      ['team', 'platform'],
      ['run', 'https://example/x?a=b']
    ])
  })

  it('uses .trivyignore only when the workspace has one', () => {
    setInputs({ image: 'alpine' })
    expect(getInputs().ignoreFile).toBeUndefined()
    touch('.trivyignore')
    expect(getInputs().ignoreFile).toBe(join(workspace, '.trivyignore'))
  })

  it('reads platforms as all, or a list of os/arch[/variant] (commas or lines, duplicates once)', () => {
    setInputs({ image: 'alpine', platforms: 'all' })
    expect(getInputs().platforms).toEqual({ kind: 'all' })
    setInputs({ platforms: 'linux/amd64, linux/arm64/v8\nlinux/arm/v7\nlinux/amd64' })
    expect(getInputs().platforms).toEqual({
      kind: 'list',
      platforms: ['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7']
    })
  })

  it('reads the deprecated platform input as a one-entry platforms list', () => {
    setInputs({ image: 'alpine', platform: 'linux/arm64' })
    expect(getInputs().platforms).toEqual({ kind: 'list', platforms: ['linux/arm64'] })
    // One platform of an image from the Docker daemon is still fine.
    setInputs({ 'image-source': 'docker' })
    expect(getInputs().platforms).toEqual({ kind: 'list', platforms: ['linux/arm64'] })
  })

  it('reads attestations in a fixed order, vuln first, whatever order they are listed in', () => {
    setInputs({ image: 'alpine', attestations: 'sbom,\nvuln' })
    expect(getInputs().attestations).toEqual(['vuln', 'sbom'])
    setInputs({ attestations: 'sbom' })
    expect(getInputs().attestations).toEqual(['sbom'])
  })

  it('accepts registry credentials with commas and spaces (trivy reads them from a Docker config)', () => {
    setInputs({
      image: 'alpine:3.20',
      'registry-username': 'ci bot',
      'registry-password': 'pass, word'
    })
    expect(getInputs().registryCredentials).toEqual({ username: 'ci bot', password: 'pass, word' })
  })

  it('resolves paths to absolute paths inside the workspace', () => {
    touch('config/ignore.yaml', 'build/Dockerfile', 'image.tar')
    setInputs({
      image: 'alpine',
      'sarif-file': 'out/results.sarif',
      'ignore-file': join(workspace, 'config/ignore.yaml'),
      dockerfile: './build/../build/Dockerfile',
      'image-source': 'image.tar'
    })
    const inputs = getInputs()
    expect(inputs.sarifFile).toBe(join(workspace, 'out/results.sarif'))
    expect(inputs.ignoreFile).toBe(join(workspace, 'config/ignore.yaml'))
    expect(inputs.dockerfile).toBe(join(workspace, 'build/Dockerfile'))
    expect(inputs.imageSource).toEqual({ kind: 'tarball', path: join(workspace, 'image.tar') })
  })

  it('accepts case variants of booleans and severities, a v before versions and upper-case hex', () => {
    setInputs({
      image: 'alpine',
      'fail-on': 'CRITICAL',
      'ignore-unfixed': 'True',
      'cache-db': 'FALSE',
      'trivy-version': 'v0.74.0',
      'trivy-sha256': 'AB'.repeat(32),
      'download-base-url': 'http://127.0.0.1:8080/mirror/'
    })
    const inputs = getInputs()
    expect(inputs).toMatchObject({ failOn: 'CRITICAL', ignoreUnfixed: true, cacheDb: false })
    expect(inputs.trivy).toEqual({ version: '0.74.0', sha256: 'ab'.repeat(32) })
    expect(inputs.downloadBaseUrl).toBe('http://127.0.0.1:8080/mirror')
  })

  it('takes an unsigned old version with its sha256, and a trusted root from RUNNER_TEMP', () => {
    const root = join(runnerTemp, 'trusted_root.json')
    writeFileSync(
      root,
      JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' })
    )
    setInputs({
      image: 'alpine',
      'trivy-version': '0.60.0',
      'trivy-sha256': 'cd'.repeat(32),
      'sigstore-trusted-root': root
    })
    const inputs = getInputs()
    expect(inputs.trivy).toEqual({ version: '0.60.0', sha256: 'cd'.repeat(32) })
    expect(inputs.sigstoreTrustedRoot).toBe(root)
  })

  it('derives a SARIF category without tag, digest or port, and keeps a given one', () => {
    setInputs({ image: `localhost:5000/team/app:1@${DIGEST}` })
    expect(getInputs().sarifCategory).toBe('imgsec/localhost/team/app')
    setInputs({ 'sarif-category': 'images/app' })
    expect(getInputs().sarifCategory).toBe('images/app')
  })

  it('tells key contents, key URIs and key files apart', () => {
    writeFileSync(join(runnerTemp, 'cosign.pub'), 'x')
    setInputs({
      image: 'alpine',
      steps: 'scan,gate,sign',
      'cosign-key': PEM,
      'cosign-password': 'pw'
    })
    expect(getInputs().cosignKey).toEqual({ kind: 'pem', pem: `${PEM}\n` })
    setInputs({ 'cosign-key': 'awskms:///arn:aws:kms:us-east-1:1:key/abc' })
    expect(getInputs().cosignKey).toEqual({
      kind: 'uri',
      uri: 'awskms:///arn:aws:kms:us-east-1:1:key/abc'
    })
    setInputs({
      steps: 'verify',
      'cosign-key': '',
      'cosign-password': '',
      'cosign-public-key': join(runnerTemp, 'cosign.pub')
    })
    expect(getInputs().cosignPublicKey).toEqual({
      kind: 'path',
      path: join(runnerTemp, 'cosign.pub')
    })
    setInputs({ 'cosign-public-key': 'https://keys.example/cosign.pub' })
    expect(getInputs().cosignPublicKey).toEqual({
      kind: 'uri',
      uri: 'https://keys.example/cosign.pub'
    })
  })

  it('masks passwords, the token and every line of a PEM key, even when a later input is bad', () => {
    setInputs({
      image: 'alpine',
      steps: 'scan,gate,sign',
      'cosign-key': PEM,
      'cosign-password': 'key-password',
      'registry-username': 'bob',
      'registry-password': 'registry-password-value',
      'github-token': 'ghs_tokenvalue',
      'fail-on': 'severe'
    })
    expect(() => getInputs()).toThrow(InputError)
    const masked = stdout
      .filter((line) => line.startsWith('::add-mask::'))
      .map((line) => line.trim().slice(12))
    for (const value of [
      'key-password',
      'registry-password-value',
      'ghs_tokenvalue',
      ...PEM_BODY
    ]) {
      expect(masked).toContain(value)
    }
    // Header lines are not secret: masking them would hide every mention of a key in the log.
    expect(masked).not.toContain('-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----')
  })

  it('hands registry credentials over as a pair', () => {
    setInputs({ image: 'ghcr.io/org/app', 'registry-username': 'bob', 'registry-password': 'pw' })
    expect(getInputs().registryCredentials).toEqual({ username: 'bob', password: 'pw' })
  })
})
