// sigstore.ts on its own: which trusted root is used, how fast an unreachable TUF repository falls
// back to the shipped root (a loopback port that refuses, one that never answers: nothing here can
// reach Sigstore's CDN), and whole-identity matching of bundles.
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestSigstore, type TestSigstore } from '../../harness/sigstore.js'
import { loadTrust, verifyBundle } from '../../../src/tools/sigstore.js'

let sigstore: TestSigstore
let rootFile: string
let stdout: string[]
beforeAll(async () => {
  sigstore = await startTestSigstore()
  const dir = mkdtempSync(join(tmpdir(), 'imgsec-sigstore-test-'))
  process.env['RUNNER_TEMP'] = dir
  rootFile = join(dir, 'trusted_root.json')
  writeFileSync(rootFile, sigstore.trustedRoot)
})
afterEach(() => {
  jest.restoreAllMocks()
})
const captureStdout = (): void => {
  stdout = []
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(chunk.toString())
    return true
  })
}

/** A loopback server that accepts connections and never answers. */
let silent: Server
let silentPort: number
const sockets = new Set<Socket>()
beforeAll(async () => {
  silent = createServer((socket) => void sockets.add(socket))
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  silentPort = (silent.address() as { port: number }).port
})
afterAll(async () => {
  // The TUF client may keep its connection: closing the server waits for every socket.
  for (const socket of sockets) socket.destroy()
  await new Promise<void>((resolve) => silent.close(() => resolve()))
})

const signer = {
  identity:
    'https://github.com/aquasecurity/trivy/.github/workflows/reusable-release.yaml@refs/tags/v0.73.1',
  issuer: 'https://token.actions.githubusercontent.com'
}

describe('loadTrust', () => {
  it('uses the given trusted root as it is', async () => {
    const trust = await loadTrust({ trustedRootPath: rootFile })
    expect(trust.origin).toBe(`the trusted root ${rootFile}`)
    const bundle = await sigstore.sign(Buffer.from('asset'), signer)
    expect(() => verifyBundle(bundle, Buffer.from('asset'), signer, trust)).not.toThrow()
  })

  it('falls back to the shipped root, with a warning, when the TUF repository refuses', async () => {
    captureStdout()
    const started = Date.now()
    const trust = await loadTrust({ tufMirrorUrl: 'http://127.0.0.1:1' })
    expect(trust.origin).toBe('the shipped trusted root')
    expect(Date.now() - started).toBeLessThan(5000)
    expect(stdout.join('')).toMatch(
      /::warning::Could not refresh Sigstore's trusted root from http:\/\/127\.0\.0\.1:1/
    )
    // The shipped root is the public-good one: it does not trust the tests' Sigstore.
    const bundle = await sigstore.sign(Buffer.from('asset'), signer)
    expect(() => verifyBundle(bundle, Buffer.from('asset'), signer, trust)).toThrow()
  })

  it('does not wait longer than its timeout for a TUF repository that never answers', async () => {
    captureStdout()
    const started = Date.now()
    const trust = await loadTrust({
      tufMirrorUrl: `http://127.0.0.1:${silentPort}`,
      tufTimeoutMs: 500
    })
    expect(trust.origin).toBe('the shipped trusted root')
    expect(Date.now() - started).toBeLessThan(3000)
  })
})

describe('verifyBundle', () => {
  it('matches the identity whole, not as a pattern found inside another identity', async () => {
    const trust = await loadTrust({ trustedRootPath: rootFile })
    const fork = { ...signer, identity: `https://github.com/attacker/fork?${signer.identity}` }
    const bundle = await sigstore.sign(Buffer.from('asset'), fork)
    expect(() => verifyBundle(bundle, Buffer.from('asset'), signer, trust)).toThrow(
      `expected a signature by ${signer.identity}`
    )
  })

  it('refuses a bundle over other bytes', async () => {
    const trust = await loadTrust({ trustedRootPath: rootFile })
    const bundle = await sigstore.sign(Buffer.from('asset'), signer)
    expect(() => verifyBundle(bundle, Buffer.from('other'), signer, trust)).toThrow()
  })
})
