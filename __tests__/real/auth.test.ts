// The real tools against a registry with basic authentication, the credentials given as inputs:
// trivy reads the image with them (TRIVY_USERNAME/PASSWORD), cosign signs and verifies with them
// (a private Docker config), and neither the password nor the key reaches a log or an output.
import { afterAll, beforeAll, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expectedCounts, expectedFindings, IMAGE_PACKAGES } from '../harness/real/alpine-images.js'
import { startRealWorld, type RealWorld } from '../harness/real/world.js'
import { cleanupRuns, errorLines } from '../harness/runner.js'

const REGISTRY_PASSWORD = 'real-registry-pass-7'
const KEY_PASSWORD = 'real key password'

let world: RealWorld
let privateKey: string
let publicKeyFile: string

beforeAll(async () => {
  world = await startRealWorld({ auth: { username: 'ci', password: REGISTRY_PASSWORD } })
  const dir = mkdtempSync(join(tmpdir(), 'imgsec-real-keys-'))
  const keys = await world.cosign(['generate-key-pair'], {
    cwd: dir,
    env: { COSIGN_PASSWORD: KEY_PASSWORD }
  })
  expect(keys.exitCode).toBe(0)
  privateKey = readFileSync(join(dir, 'cosign.key'), 'utf8')
  publicKeyFile = join(dir, 'cosign.pub')
}, 300_000)
afterAll(async () => {
  await world?.stop()
  cleanupRuns()
})

it('scans, signs and verifies with the credentials given as inputs', async () => {
  const inputs = { 'registry-username': 'ci', 'registry-password': REGISTRY_PASSWORD }
  const run = await world.run({
    ...inputs,
    image: world.images.patched.ref,
    steps: 'scan,gate,sign,verify',
    'cosign-key': privateKey,
    'cosign-password': KEY_PASSWORD,
    'tlog-upload': 'false'
  })
  expect(errorLines(run)).toEqual([])
  expect(run.exitCode).toBe(0)
  expect(run.outputs).toMatchObject({ gate: 'passed', signed: 'true', verified: 'true' })
  const { counts } = expectedCounts(expectedFindings(IMAGE_PACKAGES.patched, world.advisories))
  expect(run.outputs['low']).toBe(String(counts.low))
  const ref = `${world.registry.host}/${world.images.patched.repository}@${world.images.patched.pushed.digest}`
  // The test's own check, with its own Docker config for the registry.
  const verified = await world.cosign([
    'verify',
    '--key',
    publicKeyFile,
    '--insecure-ignore-tlog',
    ref
  ])
  expect(verified.exitCode).toBe(0)
  // Registered as secrets (::add-mask::), and nowhere else.
  const readable = [
    run.stdout,
    run.stderr,
    run.post.stdout,
    JSON.stringify(run.outputs),
    run.summary
  ]
    .join('\n')
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
  for (const line of readable) expect(line).not.toContain(REGISTRY_PASSWORD)
}, 240_000)

it('without credentials the registry refuses, and the message says which inputs to set', async () => {
  const run = await world.run({ image: world.images.patched.ref, steps: 'scan' })
  expect(run.exitCode).toBe(1)
  expect(errorLines(run).join('\n')).toMatch(/registry-username/)
}, 240_000)
