// Sign, attest and verify as a runner runs them, with stand-in cosign and a real registry: every
// tool call names the digest the registry holds, nothing is signed past a failed gate, and a key or
// a password never shows up anywhere a person or a later step could read it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pushImage } from '../harness/images.js'
import { getManifest } from '../harness/real/oci-push.js'
import { startOidcServer, type OidcServer } from '../harness/oidc-server.js'
import { TRIVY_FIXTURES_DIR } from '../harness/paths.js'
import { cleanupRuns, errorLines, type ActionRun } from '../harness/runner.js'
import { STANDIN_DIR } from '../harness/paths.js'
import { startWorld, type World } from '../harness/world.js'

const PASSWORD = 'correct horse battery staple'
const REGISTRY_PASSWORD = 'registry-pass-2'
const WORKFLOW_REF = 'octo-org/octo-app/.github/workflows/release.yml@refs/heads/main'
const credentials = { 'registry-username': 'ci', 'registry-password': REGISTRY_PASSWORD }
const MEDIUM_ONLY = { STANDIN_TRIVY_REPORT: join(TRIVY_FIXTURES_DIR, 'alpine-310.json') }
const WITH_CRITICAL = { STANDIN_TRIVY_REPORT: join(TRIVY_FIXTURES_DIR, 'alpine-39.json') }

let world: World
let oidc: OidcServer
let privateKey: string
let publicKey: string

beforeAll(async () => {
  world = await startWorld({ auth: { username: 'ci', password: REGISTRY_PASSWORD } })
  oidc = await startOidcServer({ jobWorkflowRef: WORKFLOW_REF })
  const keys = mkdtempSync(join(tmpdir(), 'imgsec-keys-'))
  execFileSync(process.execPath, [join(STANDIN_DIR, 'cosign.mjs'), 'generate-key-pair'], {
    cwd: keys,
    env: { ...process.env, COSIGN_PASSWORD: PASSWORD, IMGSEC_STANDIN_LOG: '' }
  })
  privateKey = readFileSync(join(keys, 'cosign.key'), 'utf8')
  publicKey = readFileSync(join(keys, 'cosign.pub'), 'utf8')
})
afterAll(async () => {
  await Promise.all([world.stop(), oidc.stop()])
  cleanupRuns()
})

function cosignCalls(run: ActionRun, command?: string): string[][] {
  return world
    .calls(run)
    .filter((call) => call.tool === 'cosign' && (!command || call.argv[0] === command))
    .map((call) => call.argv)
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
}

const readAll = (dirs: string[]): string[] =>
  dirs.flatMap(filesUnder).map((path) => readFileSync(path, 'latin1'))

/** A run whose workspace and RUNNER_TEMP are also read between main and post. */
type SweptRun = ActionRun & { filesAfterMain: string[] }

async function sweptRun(
  inputs: Record<string, string>,
  env: Record<string, string>
): Promise<SweptRun> {
  const runnerTemp = mkdtempSync(join(tmpdir(), 'imgsec-swept-temp-'))
  const workspace = mkdtempSync(join(tmpdir(), 'imgsec-swept-ws-'))
  let filesAfterMain: string[] = []
  const run = await world.run(inputs, {
    env,
    runnerTemp,
    workspace,
    beforePost: () => void (filesAfterMain = readAll([workspace, runnerTemp]))
  })
  return Object.assign(run, { filesAfterMain })
}

/**
 * Every place a secret must never reach, after main and after post: logs, outputs, summary, the
 * files behind GITHUB_ENV, GITHUB_PATH, GITHUB_STATE and GITHUB_OUTPUT (raw, as a later step or the
 * post entry reads them), files left in the workspace or RUNNER_TEMP, and argv.
 */
function everythingReadable(run: SweptRun): string {
  const log = `${run.stdout}\n${run.stderr}\n${run.post.stdout}\n${run.post.stderr}`
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
  const commandFiles = [
    ...Object.values(run.commandFiles.afterMain),
    ...Object.values(run.commandFiles.afterPost)
  ]
  const files = [...run.filesAfterMain, ...readAll([run.workspace, run.runnerTemp])]
  const argv = world.calls(run).flatMap((call) => call.argv)
  return [
    ...log,
    JSON.stringify(run.outputs),
    run.summary,
    ...commandFiles,
    ...files,
    ...argv
  ].join('\n')
}

/** The registry credentials as a Docker config holds them: base64 of `user:password`. */
const DOCKER_AUTH = Buffer.from(`ci:${REGISTRY_PASSWORD}`).toString('base64')

/** The tags of a repository in the test registry: a signature would add a `sha256-…` tag. */
async function registryTags(repository: string): Promise<string[]> {
  const basic = Buffer.from(`ci:${REGISTRY_PASSWORD}`).toString('base64')
  const response = await fetch(`${world.registry.url}/v2/${repository}/tags/list`, {
    headers: { authorization: `Basic ${basic}` }
  })
  const body = (await response.json()) as { tags?: string[] }
  return (body.tags ?? []).sort()
}

const secretLines = (): string[] =>
  privateKey.split('\n').filter((line) => line.length >= 8 && !line.startsWith('-----'))

describe('the whole pipeline with a PEM key and a password', () => {
  let run: SweptRun
  beforeAll(async () => {
    run = await sweptRun(
      {
        ...credentials,
        steps: 'scan,gate,sign,attest,verify',
        'cosign-key': privateKey,
        'cosign-password': PASSWORD,
        annotations: 'team=platform\nrelease=1.0'
      },
      MEDIUM_ONLY
    )
  })

  it('signs, attests and verifies the digest it scanned', () => {
    expect(errorLines(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({ signed: 'true', attested: 'true', verified: 'true' })
    const pinned = `${world.repository}@${world.pushed.digest}`
    // The DB download (`trivy image --download-db-only`) names no image.
    const targets = world
      .calls(run)
      .filter((c) =>
        ['image', 'sign', 'attest', 'verify', 'verify-attestation'].includes(c.argv[0] as string)
      )
      .filter((c) => !c.argv.includes('--download-db-only'))
    expect(targets.map((call) => call.argv[0])).toEqual([
      'image',
      'sign',
      'attest',
      'verify',
      'verify-attestation'
    ])
    for (const call of targets) expect(call.argv.at(-1)).toBe(pinned)
  })

  it('names in signature-ref the signature the registry really holds for the digest', async () => {
    const prefix = `${world.repository}@`
    const ref = run.outputs['signature-ref'] ?? ''
    expect(ref.startsWith(prefix)).toBe(true)
    const stored = await getManifest(world.registry, 'team/app', ref.slice(prefix.length))
    expect(stored).toMatchObject({
      artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      subject: { digest: world.pushed.digest },
      annotations: { 'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1' }
    })
  })

  it('leaves neither the password nor any line of the key anywhere readable', () => {
    const readable = everythingReadable(run)
    expect(readable).not.toContain(PASSWORD)
    expect(readable).not.toContain(REGISTRY_PASSWORD)
    expect(readable).not.toContain(DOCKER_AUTH)
    for (const line of secretLines()) expect(readable).not.toContain(line)
  })

  it('removes its private key file when the run ends', () => {
    expect(
      readdirSync(run.runnerTemp).filter((name) => name.startsWith('imgsec-private-'))
    ).toEqual([])
  })
})

describe('a gate that fails', () => {
  it('never starts cosign sign, and removes the key file all the same', async () => {
    const run = await sweptRun(
      {
        ...credentials,
        steps: 'scan,gate,sign,verify',
        'fail-on': 'high',
        'cosign-key': privateKey,
        'cosign-password': PASSWORD
      },
      WITH_CRITICAL
    )
    expect(run.exitCode).toBe(1)
    expect(cosignCalls(run, 'sign')).toEqual([])
    expect(run.outputs).toMatchObject({ gate: 'failed', signed: 'false', verified: 'false' })
    expect(cosignCalls(run)).toEqual([])
    const errors = errorLines(run).join('\n')
    expect(errors).toMatch(/Gate failed/)
    expect(errors).not.toMatch(/Input '/)
    const readable = everythingReadable(run)
    expect(readable).not.toContain(PASSWORD)
    expect(readable).not.toContain(REGISTRY_PASSWORD)
    expect(readable).not.toContain(DOCKER_AUTH)
    for (const line of secretLines()) expect(readable).not.toContain(line)
    expect(
      readdirSync(run.runnerTemp).filter((name) => name.startsWith('imgsec-private-'))
    ).toEqual([])
  })
})

describe('a scan that crashes', () => {
  it('signs nothing: no cosign call, signed=false, gate=error, no signature in the registry', async () => {
    // fail-on: none would pass any report: the crash is the only thing that stands in the way.
    await pushImage(world.registry, 'team/crash', '1.0')
    const run = await world.run(
      {
        ...credentials,
        image: `${world.registry.host}/team/crash:1.0`,
        steps: 'scan,gate,sign',
        'fail-on': 'none',
        'cosign-key': privateKey,
        'cosign-password': PASSWORD
      },
      { env: { ...MEDIUM_ONLY, STANDIN_TRIVY_CRASH: '1' } }
    )
    expect(run.exitCode).toBe(1)
    expect(run.outputs).toMatchObject({ gate: 'error', signed: 'false' })
    expect(errorLines(run).join('\n')).toMatch(/trivy could not scan/)
    expect(cosignCalls(run, 'sign')).toEqual([])
    expect(await registryTags('team/crash')).toEqual(['1.0'])
  })
})

describe('a multi-platform index', () => {
  it('is signed once every platform image was scanned by its own digest and passed', async () => {
    // Issue 12: every platform image is scanned, so the index may be signed (and with recursive,
    // each platform image, by name); before, one platform's scan was all there was, and nothing
    // was signed. Through a registry that wants credentials, for every per-digest call.
    const pushed = await pushImage(world.registry, 'team/index', '1.0', {
      platforms: ['linux/amd64', 'linux/arm64']
    })
    const run = await world.run(
      {
        ...credentials,
        image: `${world.registry.host}/team/index:1.0`,
        steps: 'scan,gate,sign,attest,verify',
        'fail-on': 'critical',
        recursive: 'true',
        'cosign-key': privateKey,
        'cosign-password': PASSWORD
      },
      { env: MEDIUM_ONLY }
    )
    expect(errorLines(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({
      gate: 'passed',
      signed: 'true',
      attested: 'true',
      verified: 'true'
    })
    const ref = (digest: string): string => `${world.registry.host}/team/index@${digest}`
    const platforms = Object.values(pushed.platformDigests).map(ref).sort()
    expect(
      world
        .scans(run)
        .map((argv) => argv.at(-1))
        .sort()
    ).toEqual(platforms)
    expect(
      cosignCalls(run, 'sign')
        .map((argv) => argv.at(-1))
        .sort()
    ).toEqual([ref(pushed.digest), ...platforms].sort())
    expect(
      cosignCalls(run, 'attest')
        .map((argv) => argv.at(-1))
        .sort()
    ).toEqual(platforms)
  })
})

describe('verify alone, as a deploy gate', () => {
  it('refuses an image that was never signed: verified=false and the step fails', async () => {
    await pushImage(world.registry, 'team/app', 'unsigned')
    const run = await world.run({
      ...credentials,
      image: `${world.repository}:unsigned`,
      steps: 'verify',
      'cosign-public-key': publicKey
    })
    expect(run.exitCode).toBe(1)
    expect(run.outputs['verified']).toBe('false')
    expect(errorLines(run).join('\n')).toMatch(/Verification failed for .*@sha256:/)
    expect(cosignCalls(run, 'verify')).toHaveLength(1)
  })
})

describe('keyless signing', () => {
  it('fails before cosign starts when the job cannot get an OIDC token', async () => {
    const run = await world.run(
      { ...credentials, steps: 'scan,gate,sign', 'fail-on': 'none' },
      { env: MEDIUM_ONLY }
    )
    expect(run.exitCode).toBe(1)
    expect(errorLines(run).join('\n')).toMatch(/id-token: write/)
    expect(cosignCalls(run)).toEqual([])
    expect(run.outputs['signed']).toBe('false')
  })

  it('signs with the workflow identity and verifies that identity by default', async () => {
    await pushImage(world.registry, 'team/app', 'keyless')
    const run = await world.run(
      {
        ...credentials,
        image: `${world.repository}:keyless`,
        steps: 'scan,gate,sign,verify',
        'fail-on': 'none'
      },
      { env: { ...MEDIUM_ONLY, ...oidc.env } }
    )
    expect(errorLines(run)).toEqual([])
    expect(run.outputs).toMatchObject({ signed: 'true', verified: 'true' })
    const verify = cosignCalls(run, 'verify')[0] ?? []
    expect(verify).toEqual(
      expect.arrayContaining(['--certificate-identity', `https://github.com/${WORKFLOW_REF}`])
    )
    expect(run.summary).toContain(`https://github.com/${WORKFLOW_REF}`)
  })
})

describe('an identity regexp', () => {
  it('must match the whole identity: a fork’s branch named like the repository does not pass', async () => {
    const attacker = await startOidcServer({
      jobWorkflowRef: 'attacker/fork/.github/workflows/x.yml@refs/heads/github.com/acme/api/release'
    })
    try {
      await pushImage(world.registry, 'team/app', 'forked')
      const image = `${world.repository}:forked`
      const signed = await world.run(
        { ...credentials, image, steps: 'scan,gate,sign', 'fail-on': 'none' },
        { env: { ...MEDIUM_ONLY, ...attacker.env } }
      )
      expect(signed.outputs['signed']).toBe('true')
      const run = await world.run({
        ...credentials,
        image,
        steps: 'verify',
        'certificate-identity-regexp': 'github\\.com/acme/api/'
      })
      expect(run.outputs['verified']).toBe('false')
      expect(run.exitCode).toBe(1)
      const verify = cosignCalls(run, 'verify')[0] ?? []
      expect(verify).toEqual(
        expect.arrayContaining(['--certificate-identity-regexp', '^(?:github\\.com/acme/api/)$'])
      )
    } finally {
      await attacker.stop()
    }
  })
})
