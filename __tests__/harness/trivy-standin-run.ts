// Runs the stand-in trivy script directly with node, and a tiny loopback registry that answers
// manifest requests, for the trivy tests (the full registry harness is not needed for these).
import { afterAll, beforeAll } from '@jest/globals'
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import type { ScanOptions } from '../../src/trivy/scan.js'
import { STANDIN_DIR, TRIVY_FIXTURES_DIR } from './paths.js'

export const TRIVY_STANDIN = join(STANDIN_DIR, 'trivy.mjs')
export const FIXTURES = TRIVY_FIXTURES_DIR

export interface StandinRun {
  code: number
  stdout: string
  stderr: string
}

/** Runs the stand-in with only the given environment on top of PATH/HOME (no TRIVY_* leaks in). */
export function runStandin(
  args: string[],
  env: Record<string, string> = {},
  cwd?: string
): Promise<StandinRun> {
  const base = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp' }
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [TRIVY_STANDIN, ...args],
      { env: { ...base, ...env }, cwd },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        resolve({ code, stdout, stderr })
      }
    )
  })
}

export interface FakeRegistry {
  host: string
  /** `host/repo@sha256:…` of the one image it holds. */
  pinned: string
  digest: string
  configDigest: string
  close(): Promise<void>
}

/**
 * A registry holding one image (its manifest and config) for `repository`; with `auth`, it wants HTTP basic auth
 * as docker-registry with htpasswd does.
 */
export async function startFakeRegistry(
  repository: string,
  auth?: { username: string; password: string }
): Promise<FakeRegistry> {
  // The stand-in reads the config as trivy does (the platform, the labels): it must be served.
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: {},
    rootfs: { type: 'layers', diff_ids: [] }
  })
  const configDigest = 'sha256:' + createHash('sha256').update(config).digest('hex')
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: configDigest,
      size: config.length
    },
    layers: []
  })
  const digest = 'sha256:' + createHash('sha256').update(manifest).digest('hex')
  const expected = auth
    ? 'Basic ' + Buffer.from(`${auth.username}:${auth.password}`).toString('base64')
    : undefined
  const server: Server = createServer((req, res) => {
    if (expected && req.headers.authorization !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="test"' }).end()
      return
    }
    const path = req.url ?? ''
    if (
      path === `/v2/${repository}/manifests/${digest}` ||
      path === `/v2/${repository}/manifests/v1`
    ) {
      res.writeHead(200, {
        'Content-Type': 'application/vnd.oci.image.manifest.v1+json',
        'Docker-Content-Digest': digest
      })
      res.end(req.method === 'HEAD' ? undefined : manifest)
      return
    }
    if (path === `/v2/${repository}/blobs/${configDigest}`) {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' })
      res.end(req.method === 'HEAD' ? undefined : config)
      return
    }
    res.writeHead(404, { 'Content-Type': 'application/json' })
    res.end(req.method === 'HEAD' ? undefined : '{"errors":[{"code":"MANIFEST_UNKNOWN"}]}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const host = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  return {
    host,
    pinned: `${host}/${repository}@${digest}`,
    digest,
    configDigest,
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}

/** An open registry (`org/app`) and one behind basic auth (`org/private`); filled before a test
 * file's tests run and closed after them. */
export function useFakeRegistries(auth: { username: string; password: string }): {
  open: FakeRegistry
  private: FakeRegistry
} {
  const registries = {} as { open: FakeRegistry; private: FakeRegistry }
  beforeAll(async () => {
    registries.open = await startFakeRegistry('org/app')
    registries.private = await startFakeRegistry('org/private', auth)
  })
  afterAll(async () => {
    await registries.open?.close()
    await registries.private?.close()
  })
  return registries
}

/** runScan's options for one registry image: vulnerabilities only, files under `work`. */
export function scanOptions(
  work: string,
  target: string,
  overrides: Partial<ScanOptions> = {}
): ScanOptions {
  return {
    target,
    source: { kind: 'registry' },
    reportFile: join(work, 'report.json'),
    scanners: ['vuln'],
    ignoreUnfixed: false,
    vex: [],
    listAllPackages: false,
    skipDbUpdate: false,
    dbRepositories: [],
    cacheDir: join(work, 'cache'),
    ...overrides
  }
}
