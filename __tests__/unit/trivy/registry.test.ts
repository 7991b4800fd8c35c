// runScan with the stand-in trivy against a real registry (docker-registry on loopback, images pushed
// by skopeo): basic and bearer-token authentication, and platform selection in a multi-platform index.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ToolError } from '../../../src/errors.js'
import { runScan, type ScanOptions } from '../../../src/trivy/scan.js'
import { pushImage, type PushedImage } from '../../harness/images.js'
import { startRegistry, type TestRegistry } from '../../harness/registry.js'
import { startTokenServer, type TokenServer } from '../../harness/token-server.js'
import { TRIVY_STANDIN, scanOptions } from '../../harness/trivy-standin-run.js'

const AUTH = { username: 'ci-bot', password: 'p4ss:w0rd' }
let basic: TestRegistry
let tokens: TokenServer
let bearer: TestRegistry
let multi: PushedImage
let secured: PushedImage
let work: string

beforeAll(async () => {
  basic = await startRegistry({ auth: AUTH })
  tokens = await startTokenServer({ user: AUTH })
  bearer = await startRegistry({ tokenServer: tokens })
  multi = await pushImage(basic, 'org/multi', 'v1', { platforms: ['linux/amd64', 'linux/arm64'] })
  secured = await pushImage(bearer, 'org/app', 'v1', { auth: AUTH })
})
afterAll(async () => {
  await basic?.stop()
  await bearer?.stop()
  await tokens?.stop()
})
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'trivy-registry-'))
})
afterEach(() => rmSync(work, { recursive: true, force: true }))

const options = (target: string, overrides: Partial<ScanOptions> = {}): ScanOptions =>
  scanOptions(work, target, overrides)

describe('runScan against a real registry', () => {
  it('scans each platform image of a multi-platform image by its own digest, with basic auth', async () => {
    const at = (platform: string) =>
      `${basic.host}/org/multi@${multi.platformDigests[platform] ?? ''}`
    const arm64 = at('linux/arm64')
    const { report } = await runScan(TRIVY_STANDIN, options(arm64, { credentials: AUTH }))
    expect(report.ArtifactName).toBe(arm64)
    expect(report.Metadata?.RepoDigests).toEqual([arm64])
    const amd64 = await runScan(TRIVY_STANDIN, options(at('linux/amd64'), { credentials: AUTH }))
    expect(amd64.report.Metadata?.ImageID).toMatch(/^sha256:/)
    expect(amd64.report.Metadata?.ImageID).not.toBe(report.Metadata?.ImageID)
  })

  it('fails as a tool error without credentials', async () => {
    const pinned = `${basic.host}/org/multi@${multi.digest}`
    const error = await runScan(TRIVY_STANDIN, options(pinned)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ToolError)
    expect((error as ToolError).detail).toContain('UNAUTHORIZED')
  })

  it('follows the bearer-token flow of Docker Hub and GHCR', async () => {
    const pinned = `${bearer.host}/org/app@${secured.digest}`
    const { report } = await runScan(TRIVY_STANDIN, options(pinned, { credentials: AUTH }))
    expect(report.ArtifactName).toBe(pinned)
    expect(tokens.requests.some((r) => r.includes('repository:org/app:pull'))).toBe(true)
  })

  it('refuses a platform the image does not have', async () => {
    const pinned = `${basic.host}/org/multi@${multi.digest}`
    const error = await runScan(
      TRIVY_STANDIN,
      options(pinned, { platform: 'linux/s390x', credentials: AUTH })
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ToolError)
    expect((error as ToolError).detail).toContain('linux/s390x')
  })
})
