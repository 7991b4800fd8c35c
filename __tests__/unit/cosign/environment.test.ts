// What each cosign call can see of the job: keyless signing gets the short-lived `sigstore` token
// the action fetched, never the runner's means to mint tokens; an `env://` key's variable reaches
// only the calls that sign; the job's tokens and COSIGN_/SIGSTORE_/TUF_ settings reach none.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { prepareSigner, signImage, type CosignTool } from '../../../src/cosign/commands.js'
import { verifyImage, verifySpec } from '../../../src/cosign/verify.js'
import { removePrivateTempDir } from '../../../src/secure-fs/private-dir.js'
import type { ResolvedImage } from '../../../src/types.js'
import { GITHUB_ISSUER, startOidcServer, type OidcServer } from '../../harness/oidc-server.js'

const DIGEST = `sha256:${'c'.repeat(64)}`
const IMAGE: ResolvedImage = {
  ref: { registry: '127.0.0.1:5000', repository: 'team/app', tag: '1' },
  name: '127.0.0.1:5000/team/app',
  digest: DIGEST,
  pinnedRef: `127.0.0.1:5000/team/app@${DIGEST}`,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  isIndex: false,
  platformImages: [{ platform: 'linux/amd64', digest: DIGEST }]
}
const PLANTED = {
  ACTIONS_RUNTIME_TOKEN: 'runtime-token',
  GITHUB_TOKEN: 'ghs_job_token',
  COSIGN_EXPERIMENTAL: '1',
  SIGSTORE_REKOR_PUBLIC_KEY: '/tmp/planted-rekor.pub',
  TUF_MIRROR: 'http://127.0.0.1:9/tuf'
}

let work: string
let envLog: string
let oidc: OidcServer
let cosign: CosignTool

/** The environments the fake cosign was started with, in order, with its argv. */
function started(): Array<{ argv: string[]; env: Record<string, string> }> {
  return readFileSync(envLog, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { argv: string[]; env: Record<string, string> })
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'imgsec-cosign-env-'))
  process.env['RUNNER_TEMP'] = work
  envLog = join(work, 'env.jsonl')
  // A cosign that records how it was started and reports a verified signature by the workflow.
  const fake = join(work, 'cosign')
  writeFileSync(
    fake,
    [
      '#!/usr/bin/env node',
      "const fs = require('node:fs')",
      `fs.appendFileSync(${JSON.stringify(envLog)}, JSON.stringify({ argv: process.argv.slice(2), env: process.env }) + '\\n')`,
      `if (process.argv[2] === 'verify') console.log(JSON.stringify([{ critical: { image: { 'docker-manifest-digest': '${DIGEST}' } }, optional: {} }]))`,
      ''
    ].join('\n')
  )
  chmodSync(fake, 0o755)
  cosign = { path: fake, version: '3.0.6' }
  oidc = await startOidcServer({
    jobWorkflowRef: 'octo/app/.github/workflows/r.yml@refs/heads/main'
  })
})

afterEach(() => {
  for (const name of [...Object.keys(PLANTED), ...Object.keys(oidc.env), 'MY_COSIGN_KEY'])
    delete process.env[name]
  rmSync(envLog, { force: true })
  removePrivateTempDir()
})

afterAll(async () => {
  await oidc.stop()
  rmSync(work, { recursive: true, force: true })
})

describe('keyless signing', () => {
  it('hands cosign the sigstore token only, not the means to request one', async () => {
    Object.assign(process.env, PLANTED, oidc.env)
    const signer = await prepareSigner(cosign, { tlogUpload: true })
    await signImage(cosign, signer, IMAGE, { annotations: [] })
    const [sign] = started()
    expect(sign?.argv[0]).toBe('sign')
    const env = sign?.env ?? {}
    const claims = JSON.parse(
      Buffer.from(env['SIGSTORE_ID_TOKEN']?.split('.')[1] ?? '', 'base64url').toString()
    ) as { aud?: string; iss?: string }
    expect(claims).toMatchObject({ aud: 'sigstore', iss: GITHUB_ISSUER })
    for (const name of [...Object.keys(PLANTED), ...Object.keys(oidc.env)]) {
      expect(env[name]).toBeUndefined()
    }
  })
})

describe('a key given as env://', () => {
  it('reaches cosign sign, and not cosign verify', async () => {
    Object.assign(process.env, PLANTED, { MY_COSIGN_KEY: 'pem-in-env' })
    const signer = {
      info: { kind: 'key', fingerprint: '', keySource: 'env://MY_COSIGN_KEY' },
      keyRef: 'env://MY_COSIGN_KEY',
      password: 'pw',
      tlog: { upload: true },
      policy: { kind: 'key', keyRef: '/tmp/cosign.pub' }
    } as const
    await signImage(cosign, signer, IMAGE, { annotations: [] })
    const spec = verifySpec({ certificateOidcIssuer: GITHUB_ISSUER, tlogUpload: true }, signer)
    await verifyImage(cosign, IMAGE, spec, { tlogUpload: true, signature: true, attestations: [] })
    // Signing also reads back where the signature was stored (`cosign tree`): that call gets no
    // key either.
    const calls = started()
    const sign = calls.find((call) => call.argv[0] === 'sign')
    expect(sign?.env['MY_COSIGN_KEY']).toBe('pem-in-env')
    expect(sign?.env['COSIGN_PASSWORD']).toBe('pw')
    const others = calls.filter((call) => call !== sign)
    expect(others.map((call) => call.argv[0])).toContain('verify')
    for (const call of others) {
      expect([call.argv[0], call.env['MY_COSIGN_KEY']]).toEqual([call.argv[0], undefined])
      expect([call.argv[0], call.env['COSIGN_PASSWORD']]).toEqual([call.argv[0], undefined])
    }
    for (const name of Object.keys(PLANTED)) expect(sign?.env[name]).toBeUndefined()
  })
})
