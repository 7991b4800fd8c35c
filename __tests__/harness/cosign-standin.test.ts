// The stand-in cosign against a real registry (docker-registry with htpasswd auth): it must speak the
// distribution API, store signatures where cosign does and fail the way cosign fails.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { createPublicKey, verify as verifySignature } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pushImage } from './images.js'
import { startRegistry, type TestRegistry } from './registry.js'
import { STANDIN_DIR } from './paths.js'

const STANDIN = join(STANDIN_DIR, 'cosign.mjs')
const PASSWORD = 'correct horse battery staple'
const WORKFLOW_REF = 'octo/app/.github/workflows/release.yml@refs/heads/main'
const ISSUER = 'https://token.actions.githubusercontent.com'

interface Run {
  code: number
  stdout: string
  stderr: string
}

let registry: TestRegistry
let work: string
let tokenServer: Server
let tokenUrl: string
let baseEnv: Record<string, string>

function cosign(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      STANDIN,
      args,
      { cwd: work, env: { PATH: process.env['PATH'] ?? '', ...baseEnv, ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        resolve({ code, stdout, stderr })
      }
    )
    child.stdin?.end()
  })
}

async function image(tag: string, platforms?: string[]): Promise<{ ref: string; digest: string }> {
  const pushed = await pushImage(registry, 'team/app', tag, { platforms })
  return { ref: `${registry.host}/team/app@${pushed.digest}`, digest: pushed.digest }
}

interface StoredManifest {
  layers: Array<{ digest: string; mediaType: string; annotations: Record<string, string> }>
  manifests?: Array<{ digest: string; artifactType?: string }>
  subject?: { digest: string }
  artifactType?: string
  annotations?: Record<string, string>
}

async function manifest(reference: string): Promise<{ status: number; json?: StoredManifest }> {
  const auth = Buffer.from(`${registry.auth?.username}:${registry.auth?.password}`).toString(
    'base64'
  )
  const res = await fetch(`${registry.url}/v2/team/app/manifests/${reference}`, {
    headers: {
      Authorization: `Basic ${auth}`,
      Accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json'
    }
  })
  return { status: res.status, json: res.ok ? ((await res.json()) as StoredManifest) : undefined }
}

async function blob(digest: string): Promise<Buffer> {
  const auth = Buffer.from(`${registry.auth?.username}:${registry.auth?.password}`).toString(
    'base64'
  )
  const res = await fetch(`${registry.url}/v2/team/app/blobs/${digest}`, {
    headers: { Authorization: `Basic ${auth}` }
  })
  return Buffer.from(await res.arrayBuffer())
}

const sigTag = (digest: string, suffix: string): string => `${digest.replace(':', '-')}${suffix}`
const vulnPredicate = {
  invocation: { parameters: null, uri: '', event_id: '', 'builder.id': '' },
  scanner: { uri: 'pkg:github/aquasecurity/trivy@v0.74.0', version: '0.74.0', db: {}, result: {} },
  metadata: { scanStartedOn: '2026-11-25T00:00:00Z', scanFinishedOn: '2026-11-25T00:01:00Z' }
}

beforeAll(async () => {
  registry = await startRegistry({ auth: { username: 'ci', password: 'registry-secret' } })
  work = mkdtempSync(join(tmpdir(), 'imgsec-cosign-standin-'))
  const dockerDir = join(work, 'docker')
  mkdirSync(dockerDir)
  const auth = Buffer.from('ci:registry-secret').toString('base64')
  writeFileSync(
    join(dockerDir, 'config.json'),
    JSON.stringify({ auths: { [registry.host]: { auth } } })
  )
  const claims = Buffer.from(
    JSON.stringify({ iss: ISSUER, job_workflow_ref: WORKFLOW_REF })
  ).toString('base64url')
  tokenServer = createServer((req, res) => {
    const ok =
      req.headers.authorization === 'bearer request-token' && req.url?.includes('audience=sigstore')
    res.writeHead(ok ? 200 : 403, { 'Content-Type': 'application/json' })
    res.end(ok ? JSON.stringify({ value: `e30.${claims}.c2ln` }) : '{}')
  })
  await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve))
  const address = tokenServer.address()
  tokenUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/token?api-version=2.0`
  baseEnv = {
    DOCKER_CONFIG: dockerDir,
    COSIGN_PASSWORD: PASSWORD,
    IMGSEC_STANDIN_STATE: join(work, 'state')
  }
  const keys = await cosign(['generate-key-pair'])
  expect(keys.code).toBe(0)
})

afterAll(async () => {
  await registry?.stop()
  await new Promise((resolve) => tokenServer?.close(resolve))
  rmSync(work, { recursive: true, force: true })
})

describe('keys', () => {
  it('writes an encrypted private key and its public half, and decrypts only with the password', async () => {
    expect(readFileSync(join(work, 'cosign.key'), 'utf8')).toMatch(
      /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/
    )
    const pub = readFileSync(join(work, 'cosign.pub'), 'utf8')
    expect(createPublicKey(pub).asymmetricKeyDetails?.namedCurve).toBe('prime256v1')
    expect((await cosign(['public-key', '--key', 'cosign.key'])).stdout).toBe(pub)
    const wrong = await cosign(['public-key', '--key=cosign.key'], { COSIGN_PASSWORD: 'nope' })
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toContain('decrypt: encrypted: decryption failed')
  })
})

describe('command line', () => {
  it('prints its version like cosign and rejects unknown flags', async () => {
    expect((await cosign(['version'])).stdout).toMatch(/^GitVersion: +v0\.0\.0-standin$/m)
    const bad = await cosign(['sign', '--x', 'y'])
    expect(bad).toMatchObject({ code: 1 })
    expect(bad.stderr).toMatch(/^Error: unknown flag: --x$/m)
  })

  it('records each invocation exactly as received', async () => {
    const log = join(work, 'calls.jsonl')
    await cosign(['version', '--json'], { IMGSEC_STANDIN_LOG: log })
    const line = JSON.parse(readFileSync(log, 'utf8').trim())
    expect(line).toEqual({ tool: 'cosign', argv: ['version', '--json'], cwd: work })
  })

  it('refuses registries that are not on loopback (no network)', async () => {
    const run = await cosign([
      'sign',
      '--yes',
      '--key',
      'cosign.key',
      `ghcr.io/o/a@sha256:${'a'.repeat(64)}`
    ])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('no network')
  })
})

describe('sign and verify with a key', () => {
  it('stores a Sigstore bundle as a referrer under the sha256-<hex> fallback tag, as cosign v3 does', async () => {
    const { ref, digest } = await image('bundle')
    const run = await cosign(['sign', '--yes', '--key', 'cosign.key', ref])
    expect(run.code).toBe(0)
    const index = await manifest(sigTag(digest, ''))
    expect(index.status).toBe(200)
    expect(await manifest(sigTag(digest, '.sig'))).toMatchObject({ status: 404 })
    const entry = index.json?.manifests?.[0]
    if (!entry) throw new Error('the fallback index lists no referrer')
    const stored = (await manifest(entry.digest)).json
    expect(stored).toMatchObject({
      artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      subject: { digest },
      annotations: { 'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1' }
    })
    const bundleLayer = stored?.layers[0]
    expect(bundleLayer?.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json')
    const bundle = JSON.parse((await blob(bundleLayer?.digest ?? '')).toString())
    expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json')

    const tree = await cosign(['tree', ref])
    expect(tree.stdout).toContain(
      `https://sigstore.dev/cosign/sign/v1 artifacts via OCI referrer: ${registry.host}/team/app@${entry.digest}`
    )
    const good = join(work, 'vuln-for-bundle.json')
    writeFileSync(good, JSON.stringify(vulnPredicate))
    const attest = ['attest', '--yes', '--key', 'cosign.key', '--type', 'vuln', '--predicate', good]
    expect((await cosign([...attest, ref])).code).toBe(0)
    // Like cosign v3, verify lists the attestation's bundle beside the signature.
    const checked = await cosign(['verify', '--key', 'cosign.pub', '-o', 'json', ref])
    expect(checked.code).toBe(0)
    const types = (JSON.parse(checked.stdout) as Array<{ critical: { type: string } }>).map(
      (e) => e.critical.type
    )
    expect(types.sort()).toEqual([
      'https://cosign.sigstore.dev/attestation/vuln/v1',
      'https://sigstore.dev/cosign/sign/v1'
    ])
  })

  it('stores a simple-signing payload at sha256-<hex>.sig with --new-bundle-format=false', async () => {
    const { ref, digest } = await image('keyed')
    const run = await cosign([
      'sign',
      '--yes',
      '--new-bundle-format=false',
      '--key',
      'cosign.key',
      '-a',
      'run=42',
      ref
    ])
    expect(run.code).toBe(0)
    expect(run.stderr).toMatch(/^tlog entry created with index: \d+$/m)
    expect(run.stderr).not.toContain('uses a tag')
    const sig = await manifest(sigTag(digest, '.sig'))
    expect(sig.status).toBe(200)
    const layer = sig.json?.layers[0]
    if (!layer) throw new Error('the .sig manifest has no layer')
    const payload = await blob(layer.digest)
    expect(JSON.parse(payload.toString())).toEqual({
      critical: {
        identity: { 'docker-reference': `${registry.host}/team/app` },
        image: { 'docker-manifest-digest': digest },
        type: 'cosign container image signature'
      },
      optional: { run: '42' }
    })
    const signature = Buffer.from(
      layer.annotations['dev.cosignproject.cosign/signature'] ?? '',
      'base64'
    )
    const pub = readFileSync(join(work, 'cosign.pub'), 'utf8')
    expect(verifySignature('sha256', payload, pub, signature)).toBe(true)

    const checked = await cosign(['verify', '--key', 'cosign.pub', '-o', 'json', ref])
    expect(checked.code).toBe(0)
    const entries = JSON.parse(checked.stdout)
    expect(entries).toHaveLength(1)
    expect(entries[0].critical.image['docker-manifest-digest']).toBe(digest)
    expect(entries[0].optional.Bundle.Payload.logIndex).toEqual(expect.any(Number))
  })

  it('says no signatures found for an unsigned image, and rejects another key', async () => {
    const { ref } = await image('unsigned')
    const none = await cosign(['verify', '--key', 'cosign.pub', ref])
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/^Error: no signatures found$/m)
    await cosign(['sign', '--yes', '--key', 'cosign.key', ref])
    await cosign(['generate-key-pair', '--output-key-prefix', 'other'])
    const other = await cosign(['verify', '--key', 'other.pub', ref])
    expect(other.code).toBe(1)
    expect(other.stderr).toContain('Error: no matching signatures:')
  })

  it('declines without --yes when there is no terminal, and warns when signing by tag', async () => {
    await image('by-tag')
    const declined = await cosign([
      'sign',
      '--key',
      'cosign.key',
      `${registry.host}/team/app:by-tag`
    ])
    expect(declined.code).not.toBe(0)
    expect(declined.stderr).toContain('user declined the prompt')
    const byTag = await cosign(
      ['sign', '--key', 'cosign.key', `${registry.host}/team/app:by-tag`],
      {
        COSIGN_YES: 'true'
      }
    )
    expect(byTag.code).toBe(0)
    expect(byTag.stderr).toContain('uses a tag, not a digest, to identify the image to sign')
  })

  it('fails when the image is not in the registry', async () => {
    const run = await cosign([
      'sign',
      '--yes',
      '--key',
      'cosign.key',
      `${registry.host}/team/app@sha256:${'b'.repeat(64)}`
    ])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('entity not found')
  })

  it('signs every platform image with --recursive', async () => {
    const pushed = await pushImage(registry, 'team/app', 'multi', {
      platforms: ['linux/amd64', 'linux/arm64']
    })
    const ref = `${registry.host}/team/app@${pushed.digest}`
    expect((await cosign(['sign', '--yes', '--recursive', '--key', 'cosign.key', ref])).code).toBe(
      0
    )
    for (const digest of [pushed.digest, ...Object.values(pushed.platformDigests)]) {
      expect((await manifest(sigTag(digest, ''))).status).toBe(200)
    }
  })
})

describe('transparency log switched off (cosign v3 rules)', () => {
  it('rejects --tlog-upload=false and accepts a signing config without Rekor', async () => {
    const { ref } = await image('no-tlog')
    const rejected = await cosign([
      'sign',
      '--yes',
      '--key',
      'cosign.key',
      '--tlog-upload=false',
      ref
    ])
    expect(rejected.code).toBe(1)
    expect(rejected.stderr).toContain('--tlog-upload=false is not supported with --signing-config')

    const config = join(work, 'signing-config.json')
    const create = [
      'signing-config',
      'create',
      '--with-default-services',
      '--no-default-rekor',
      '--out',
      config
    ]
    expect((await cosign(create)).code).toBe(0)
    expect(JSON.parse(readFileSync(config, 'utf8')).rekorTlogUrls).toEqual([])
    const signed = await cosign([
      'sign',
      '--yes',
      '--key',
      'cosign.key',
      '--signing-config',
      config,
      ref
    ])
    expect(signed.code).toBe(0)
    expect(signed.stderr).not.toContain('tlog entry created')

    const strict = await cosign(['verify', '--key', 'cosign.pub', ref])
    expect(strict.code).toBe(1)
    expect(strict.stderr).toContain('signature not found in transparency log')
    expect(
      (await cosign(['verify', '--key', 'cosign.pub', '--insecure-ignore-tlog', ref])).code
    ).toBe(0)
  })
})

describe('keyless', () => {
  const oidcEnv = (): Record<string, string> => ({
    ACTIONS_ID_TOKEN_REQUEST_URL: tokenUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token'
  })

  it('needs a GitHub OIDC token', async () => {
    const { ref } = await image('keyless-no-token')
    const run = await cosign(['sign', '--yes', ref])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('ACTIONS_ID_TOKEN_REQUEST_URL')
  })

  it('records the workflow identity, and verify checks identity and issuer', async () => {
    const { ref } = await image('keyless')
    const signed = await cosign(['sign', '--yes', ref], oidcEnv())
    expect(signed.code).toBe(0)
    expect(signed.stderr).toMatch(/^tlog entry created with index: \d+$/m)

    const noIdentity = await cosign(['verify', '--certificate-oidc-issuer', ISSUER, ref])
    expect(noIdentity.stderr).toContain(
      '--certificate-identity or --certificate-identity-regexp is required for verification in keyless mode'
    )
    const noIssuer = await cosign(['verify', '--certificate-identity-regexp', '.*', ref])
    expect(noIssuer.stderr).toContain(
      '--certificate-oidc-issuer or --certificate-oidc-issuer-regexp is required'
    )
    const both = await cosign(['verify', '--key', 'cosign.pub', '--certificate-identity', 'x', ref])
    expect(both.code).toBe(1)

    const identity = `https://github.com/${WORKFLOW_REF}`
    const ok = await cosign([
      'verify',
      '--certificate-identity',
      identity,
      '--certificate-oidc-issuer',
      ISSUER,
      ref
    ])
    expect(ok.code).toBe(0)
    expect(JSON.parse(ok.stdout)[0].optional).toMatchObject({ Subject: identity, Issuer: ISSUER })
    const wrong = await cosign([
      'verify',
      '--certificate-identity',
      'https://github.com/evil/x',
      '--certificate-oidc-issuer',
      ISSUER,
      ref
    ])
    expect(wrong.code).toBe(1)
  })
})

describe('attest and verify-attestation', () => {
  it('accepts only the cosign vuln predicate and verifies the stored attestation', async () => {
    const { ref, digest } = await image('attested')
    const bad = join(work, 'bad-predicate.json')
    writeFileSync(bad, JSON.stringify({ SchemaVersion: 2, Results: [] }))
    const rejected = await cosign([
      'attest',
      '--yes',
      '--key',
      'cosign.key',
      '--type',
      'vuln',
      '--predicate',
      bad,
      ref
    ])
    expect(rejected.code).toBe(1)
    expect(rejected.stderr).toContain('invalid vuln predicate')

    const good = join(work, 'vuln.json')
    writeFileSync(good, JSON.stringify(vulnPredicate))
    const attested = await cosign([
      'attest',
      '--yes',
      '--key',
      'cosign.key',
      '--type',
      'vuln',
      '--predicate',
      good,
      ref
    ])
    expect(attested.code).toBe(0)
    const index = await manifest(sigTag(digest, ''))
    const referrer = await manifest(index.json?.manifests?.[0]?.digest ?? 'none')
    expect(referrer.json?.annotations?.['dev.sigstore.bundle.predicateType']).toBe(
      'https://cosign.sigstore.dev/attestation/vuln/v1'
    )

    const checked = await cosign([
      'verify-attestation',
      '--key',
      'cosign.pub',
      '--type',
      'vuln',
      ref
    ])
    expect(checked.code).toBe(0)
    const statement = JSON.parse(
      Buffer.from(JSON.parse(checked.stdout).payload, 'base64').toString()
    )
    expect(statement.predicateType).toBe('https://cosign.sigstore.dev/attestation/vuln/v1')
    expect(statement.subject[0].digest.sha256).toBe(digest.slice(7))
    expect(statement.predicate).toEqual(vulnPredicate)

    const { ref: plain } = await image('not-attested')
    const none = await cosign([
      'verify-attestation',
      '--key',
      'cosign.pub',
      '--type',
      'vuln',
      plain
    ])
    expect(none.code).toBe(1)
    expect(none.stderr).toContain('no matching attestations')
  })
})
