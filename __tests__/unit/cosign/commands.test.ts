// Sign, attest and verify as the action runs them: the stand-in cosign (executed directly) against a
// real registry with authentication, credentials in a private Docker config, secrets only in env.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pushImage } from '../../harness/images.js'
import { GITHUB_ISSUER, startOidcServer, type OidcServer } from '../../harness/oidc-server.js'
import { startRegistry, type TestRegistry } from '../../harness/registry.js'
import {
  attestImage,
  prepareSigner,
  signImage,
  type CosignTool
} from '../../../src/cosign/commands.js'
import { verifyImage, verifySpec } from '../../../src/cosign/verify.js'
import { checkVerifyOutput } from '../../../src/cosign/output.js'
import type { ResolvedImage } from '../../../src/types.js'
import { writeDockerConfig } from '../../../src/registry/credentials.js'
import { privateTempDir, removePrivateTempDir } from '../../../src/secure-fs/private-dir.js'
import { standinScript } from '../../harness/assets.js'
import { STANDIN_DIR } from '../../harness/paths.js'

const STANDIN = join(STANDIN_DIR, 'cosign.mjs')
const PASSWORD = 'run-test password'
const ISSUER = GITHUB_ISSUER
const WORKFLOW_REF = 'octo/app/.github/workflows/release.yml@refs/tags/v1'

let registry: TestRegistry
let work: string
let log: string
let cosign: CosignTool
let keyPem: string
let oidc: OidcServer

async function image(tag: string): Promise<ResolvedImage> {
  const { digest } = await pushImage(registry, 'team/app', tag)
  const name = `${registry.host}/team/app`
  return {
    ref: { registry: registry.host, repository: 'team/app', tag },
    name,
    digest,
    pinnedRef: `${name}@${digest}`,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    isIndex: false,
    platformImages: [{ platform: 'linux/amd64', digest }]
  }
}

function calls(): string[][] {
  if (!existsSync(log)) return []
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { argv: string[] }).argv)
}

const verifyDefaults = { certificateOidcIssuer: ISSUER, tlogUpload: true }
const signatureOnly = { tlogUpload: true, signature: true, attestations: [] }

/** The first failing check's detail, as verify reports it. */
const failureOf = (result: { checks: { passed: boolean; detail: string }[] }) =>
  result.checks.find((c) => !c.passed)?.detail

beforeAll(async () => {
  registry = await startRegistry({ auth: { username: 'ci', password: 'registry-secret' } })
  work = mkdtempSync(join(tmpdir(), 'imgsec-cosign-run-'))
  process.env['RUNNER_TEMP'] = work
  log = join(work, 'calls.jsonl')
  process.env['IMGSEC_STANDIN_LOG'] = log
  process.env['IMGSEC_STANDIN_STATE'] = join(work, 'state')
  const dockerConfig = writeDockerConfig(mkdtempSync(join(work, 'docker-')), registry.host, {
    username: 'ci',
    password: 'registry-secret'
  })
  cosign = { path: STANDIN, version: '3.0.6', env: { DOCKER_CONFIG: dockerConfig } }
  execFileSync(STANDIN, ['generate-key-pair'], {
    cwd: work,
    env: { ...process.env, COSIGN_PASSWORD: PASSWORD }
  })
  keyPem = readFileSync(join(work, 'cosign.key'), 'utf8')
  rmSync(log, { force: true })
  oidc = await startOidcServer({ jobWorkflowRef: WORKFLOW_REF })
})

afterEach(() => {
  rmSync(log, { force: true })
  delete process.env['ACTIONS_ID_TOKEN_REQUEST_URL']
  delete process.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']
  removePrivateTempDir()
})

afterAll(async () => {
  await registry?.stop()
  await oidc?.stop()
  rmSync(work, { recursive: true, force: true })
})

describe('with a key', () => {
  it('signs, attests and verifies the pinned digest; secrets stay out of argv and the log', async () => {
    const written: string[] = []
    const write = process.stdout.write.bind(process.stdout)
    process.stdout.write = ((chunk: string | Uint8Array) => {
      written.push(String(chunk))
      return true
    }) as typeof process.stdout.write
    let signer
    const target = await image('keyed')
    try {
      signer = await prepareSigner(cosign, {
        key: { kind: 'pem', pem: keyPem },
        password: PASSWORD,
        tlogUpload: true
      })
      const signed = await signImage(cosign, signer, target, { annotations: [['run', '7']] })
      // cosign v3 (the stand-in at 3.x): a bundle referrer, named by its manifest digest.
      expect(signed.signatureRef).toMatch(new RegExp(`^${target.name}@sha256:[a-f0-9]{64}$`))
      expect(signed.signatureRef).not.toBe(target.pinnedRef)
      expect(signed.tlogEntry?.logIndex).toEqual(expect.any(Number))
      expect(signer.info).toMatchObject({
        kind: 'key',
        fingerprint: expect.stringMatching(/^SHA256:[A-Za-z0-9+/]{43}$/)
      })

      const predicate = join(work, 'vuln.json')
      const scanner = {
        uri: 'pkg:github/aquasecurity/trivy@v0.74.0',
        version: '0.74.0',
        result: {}
      }
      writeFileSync(
        predicate,
        JSON.stringify({ scanner, metadata: { scanStartedOn: 'x', scanFinishedOn: 'y' } })
      )
      const attested = await attestImage(cosign, signer, target, 'vuln', predicate)
      expect(attested.signatureRef).toMatch(new RegExp(`^${target.name}@sha256:[a-f0-9]{64}$`))
      expect(attested.signatureRef).not.toBe(signed.signatureRef)

      const spec = verifySpec(verifyDefaults, signer)
      const verified = await verifyImage(cosign, target, spec, {
        tlogUpload: true,
        signature: true,
        attestations: ['vuln']
      })
      expect(verified).toMatchObject({ verified: true, signer: signer.info })
      expect(verified.checks.map((c) => [c.check, c.passed])).toEqual([
        ['signature', true],
        ['vuln attestation', true]
      ])
      expect(verified.checks.map((c) => c.detail).join('\n')).toContain(target.digest)
      // What the verified attestation holds, for max-scan-age and fail-on.
      expect(verified.predicates.vuln).toEqual([
        { scanner, metadata: { scanStartedOn: 'x', scanFinishedOn: 'y' } }
      ])
    } finally {
      process.stdout.write = write
    }

    const argv = calls().flat().join('\n')
    // `tree` after sign and attest: where cosign v3 stored them is read back from the registry.
    expect(calls().map((a) => a[0])).toEqual([
      'public-key',
      'sign',
      'tree',
      'attest',
      'tree',
      'verify',
      'verify-attestation'
    ])
    const keyLines = keyPem
      .split('\n')
      .filter((line) => line.length >= 8 && !line.startsWith('-----'))
    expect(keyLines.length).toBeGreaterThan(0)
    for (const secret of [PASSWORD, 'registry-secret', ...keyLines])
      expect(argv).not.toContain(secret)
    const logged = written.filter((line) => !line.startsWith('::add-mask::')).join('')
    for (const secret of [PASSWORD, ...keyLines]) expect(logged).not.toContain(secret)
    expect(written.join('')).toContain(`::add-mask::${PASSWORD}`)
  })

  it('writes PEM keys to the private directory with mode 0600', async () => {
    const signer = await prepareSigner(cosign, {
      key: { kind: 'pem', pem: keyPem },
      password: PASSWORD,
      tlogUpload: true
    })
    expect(signer.keyRef?.startsWith(privateTempDir())).toBe(true)
    expect(statSync(signer.keyRef ?? '').mode & 0o777).toBe(0o600)
    expect(readFileSync(signer.keyRef ?? '', 'utf8')).toBe(keyPem)
  })

  it('reports a wrong password as a key problem before signing anything', async () => {
    const key = { kind: 'pem' as const, pem: keyPem }
    await expect(
      prepareSigner(cosign, { key, password: 'wrong', tlogUpload: true })
    ).rejects.toThrow(/could not read the signing key[\s\S]*decryption failed/)
    expect(calls().map((a) => a[0])).toEqual(['public-key'])
  })

  it('goes without the transparency log with signing config use off on v3 (keyed) and the flag on v2', async () => {
    const key = { kind: 'pem' as const, pem: keyPem }
    const v3 = await prepareSigner(cosign, { key, password: PASSWORD, tlogUpload: false })
    const target = await image('no-tlog')
    const signed = await signImage(cosign, v3, target, { annotations: [] })
    expect(signed.tlogEntry).toBeUndefined()
    const spec = verifySpec({ ...verifyDefaults, tlogUpload: false }, v3)
    expect(
      (await verifyImage(cosign, target, spec, { ...signatureOnly, tlogUpload: false })).verified
    ).toBe(true)
    // Keyed v3: no `signing-config create` (it fetches Sigstore's TUF repository).
    expect(calls().map((a) => a[0])).not.toContain('signing-config')
    expect(calls().find((a) => a[0] === 'sign')).toEqual(
      expect.arrayContaining(['--use-signing-config=false', '--tlog-upload=false'])
    )

    const v2Path = join(work, 'cosign-v2.mjs')
    writeFileSync(v2Path, standinScript('cosign', '2.6.1'), { mode: 0o755 })
    const v2Tool = { ...cosign, path: v2Path, version: '2.6.1' }
    const v2 = await prepareSigner(v2Tool, { key, password: PASSWORD, tlogUpload: false })
    await signImage(v2Tool, v2, await image('no-tlog-v2'), { annotations: [] })
    expect(
      calls()
        .filter((a) => a[0] === 'sign')
        .at(-1)
    ).toContain('--tlog-upload=false')
  })
})

describe('an index, one digest at a time', () => {
  it('signs only the platform digest it is given: the other platform stays unsigned', async () => {
    const pushed = await pushImage(registry, 'team/app', 'multi', {
      platforms: ['linux/amd64', 'linux/arm64']
    })
    const name = `${registry.host}/team/app`
    const at = (digest: string) => ({ name, digest, pinnedRef: `${name}@${digest}` })
    const amd64 = at(pushed.platformDigests['linux/amd64'] ?? '')
    const arm64 = at(pushed.platformDigests['linux/arm64'] ?? '')
    const signer = await prepareSigner(cosign, {
      key: { kind: 'pem', pem: keyPem },
      password: PASSWORD,
      tlogUpload: true
    })
    const signed = await signImage(cosign, signer, amd64, { annotations: [] })
    expect(signed.signatureRef).toMatch(new RegExp(`^${name}@sha256:[a-f0-9]{64}$`))
    const sign = calls().filter((a) => a[0] === 'sign')
    expect(sign).toHaveLength(1)
    expect(sign[0]?.at(-1)).toBe(amd64.pinnedRef)
    expect(sign[0]).not.toContain('--recursive')

    const spec = verifySpec(verifyDefaults, signer)
    expect((await verifyImage(cosign, amd64, spec, signatureOnly)).verified).toBe(true)
    const other = await verifyImage(cosign, arm64, spec, signatureOnly)
    expect(other.verified).toBe(false)
    expect(failureOf(other)).toContain('no valid signature')
    expect((await verifyImage(cosign, at(pushed.digest), spec, signatureOnly)).verified).toBe(false)
  })

  it('fails verification of an attestation type that was never attached, naming it', async () => {
    const target = await image('vuln-only')
    const signer = await prepareSigner(cosign, {
      key: { kind: 'pem', pem: keyPem },
      password: PASSWORD,
      tlogUpload: true
    })
    await signImage(cosign, signer, target, { annotations: [] })
    const spec = verifySpec(verifyDefaults, signer)
    const result = await verifyImage(cosign, target, spec, {
      tlogUpload: true,
      signature: true,
      attestations: ['vuln']
    })
    expect(result.verified).toBe(false)
    expect(failureOf(result)).toMatch(/^no valid vuln attestation by /)
    const attestationCall = calls().find((a) => a[0] === 'verify-attestation')
    expect(attestationCall?.slice(0, 3)).toEqual(['verify-attestation', '--type', 'vuln'])
    expect(attestationCall?.at(-1)).toBe(target.pinnedRef)
  })
})

describe('verification verdicts', () => {
  it('runs every check after a failed signature, each with its own result', async () => {
    const target = await image('unsigned-all-checks')
    const signer = await prepareSigner(cosign, {
      key: { kind: 'pem', pem: keyPem },
      password: PASSWORD,
      tlogUpload: true
    })
    const result = await verifyImage(cosign, target, verifySpec(verifyDefaults, signer), {
      tlogUpload: true,
      signature: true,
      attestations: ['vuln', 'sbom']
    })
    expect(result.verified).toBe(false)
    expect(result.checks.map((c) => [c.check, c.passed])).toEqual([
      ['signature', false],
      ['vuln attestation', false],
      ['sbom attestation', false]
    ])
    expect(result.checks[2]?.detail).toMatch(/^no valid sbom attestation by /)
    expect(result.predicates).toEqual({})
    expect(
      calls()
        .map((a) => a[0])
        .filter((c) => c?.startsWith('verify') === true)
    ).toEqual(['verify', 'verify-attestation', 'verify-attestation'])
  })

  it('returns verified=false with cosign’s reason for an unsigned image', async () => {
    copyFileSync(join(work, 'cosign.pub'), join(work, 'given.pub'))
    const spec = verifySpec({
      ...verifyDefaults,
      publicKey: { kind: 'path', path: join(work, 'given.pub') }
    })
    expect(spec.signer).toMatchObject({
      kind: 'key',
      fingerprint: expect.stringMatching(/^SHA256:/)
    })
    const result = await verifyImage(cosign, await image('unsigned'), spec, signatureOnly)
    expect(result.verified).toBe(false)
    expect(failureOf(result)).toContain('no signatures found')
  })

  it('rejects cosign output whose claims name another digest', async () => {
    const target = await image('crafted')
    const other = `sha256:${'c'.repeat(64)}`
    const claims = [
      {
        critical: {
          image: { 'Docker-manifest-digest': target.digest },
          type: 'cosign container image signature'
        }
      },
      {
        critical: {
          image: { 'docker-manifest-digest': other },
          type: 'https://sigstore.dev/cosign/sign/v1'
        }
      }
    ]
    const fake = join(work, 'fake-cosign.mjs')
    writeFileSync(
      fake,
      `#!/usr/bin/env node\nconsole.log(${JSON.stringify(JSON.stringify(claims))})\n`,
      { mode: 0o755 }
    )
    const spec = verifySpec({ ...verifyDefaults, certificateIdentity: 'https://github.com/o/r' })
    const result = await verifyImage({ ...cosign, path: fake }, target, spec, signatureOnly)
    expect(result.verified).toBe(false)
    expect(failureOf(result)).toContain(`is for ${other}, not the resolved digest ${target.digest}`)

    expect(checkVerifyOutput(JSON.stringify([claims[0]]), target.digest).problems).toEqual([])
    expect(
      checkVerifyOutput(
        '[{"critical":{"image":{"docker-manifest-digest":"x"},"type":"evil"}}]',
        'x'
      ).problems
    ).toEqual(['signature 1 has an unknown type "evil"'])
    expect(checkVerifyOutput('', target.digest).problems).toHaveLength(1)
  })

  it('reads cosign v3 output that lists an attestation beside the signature', () => {
    const digest = `sha256:${'a'.repeat(64)}`
    const entry = (type: string) => ({
      critical: { image: { 'docker-manifest-digest': digest }, type },
      optional: {}
    })
    const signature = entry('https://sigstore.dev/cosign/sign/v1')
    const attestation = entry('https://cosign.sigstore.dev/attestation/vuln/v1')
    expect(checkVerifyOutput(JSON.stringify([signature, attestation]), digest)).toMatchObject({
      count: 1,
      problems: []
    })
    expect(checkVerifyOutput(JSON.stringify([attestation]), digest).problems).toEqual([
      'cosign verify found only attestations, no image signature'
    ])
  })
})

describe('keyless', () => {
  it('fails with the id-token hint before cosign is started when the job has no token', async () => {
    await expect(prepareSigner(cosign, { tlogUpload: true })).rejects.toThrow(
      /permissions: id-token: write[\s\S]*forks/
    )
    expect(calls()).toEqual([])
  })

  it('signs with the workflow identity and verifies against it by default', async () => {
    Object.assign(process.env, oidc.env)
    const signer = await prepareSigner(cosign, { tlogUpload: true })
    const identity = `https://github.com/${WORKFLOW_REF}`
    expect(signer.info).toEqual({ kind: 'keyless', identity, issuer: ISSUER })
    const target = await image('keyless')
    await signImage(cosign, signer, target, { annotations: [] })
    const result = await verifyImage(
      cosign,
      target,
      verifySpec(verifyDefaults, signer),
      signatureOnly
    )
    expect(result).toMatchObject({
      verified: true,
      signer: { kind: 'keyless', identity, issuer: ISSUER }
    })
    const verifyCall = calls().find((a) => a[0] === 'verify')
    expect(verifyCall).toEqual(
      expect.arrayContaining([
        '--certificate-identity',
        identity,
        '--certificate-oidc-issuer',
        ISSUER
      ])
    )
  })
})
