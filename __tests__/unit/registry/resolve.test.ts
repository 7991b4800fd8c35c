// resolveImage against a real registry (docker-registry on loopback) holding images pushed by skopeo.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseImageRef } from '../../../src/registry/image-ref.js'
import { resolveImage } from '../../../src/registry/resolve.js'
import { writeDockerConfig } from '../../../src/registry/credentials.js'
import { pushImage, type PushedImage } from '../../harness/images.js'
import { startRegistry, type TestRegistry } from '../../harness/registry.js'
import { startTokenServer, type TokenServer } from '../../harness/token-server.js'

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
const AUTH = { username: 'ci-bot', password: 's3cret:with-colon' }
const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`

let open: TestRegistry
let secured: TestRegistry
let tokens: TokenServer
let hub: TestRegistry
let hubPublic: PushedImage
let hubPrivate: PushedImage
let app: PushedImage
let multi: PushedImage
let privateApp: PushedImage
let configDir: string
const savedDockerConfig = process.env['DOCKER_CONFIG']

beforeAll(async () => {
  // An empty Docker config, so that the machine's own ~/.docker never leaks into the tests.
  configDir = mkdtempSync(join(tmpdir(), 'imgsec-resolve-'))
  process.env['DOCKER_CONFIG'] = join(configDir, 'empty')
  tokens = await startTokenServer({ user: AUTH, publicRepositories: ['library/alpine'] })
  ;[open, secured, hub] = await Promise.all([
    startRegistry(),
    startRegistry({ auth: AUTH }),
    startRegistry({ tokenServer: tokens })
  ])
  ;[app, multi, privateApp, hubPublic, hubPrivate] = await Promise.all([
    pushImage(open, 'org/app', 'v1'),
    pushImage(open, 'org/multi', 'v1', { platforms: ['linux/amd64', 'linux/arm64'] }),
    pushImage(secured, 'team/private', '1.0'),
    pushImage(hub, 'library/alpine', '3.20'),
    pushImage(hub, 'team/private', '1.0')
  ])
})

afterAll(async () => {
  await Promise.all([open?.stop(), secured?.stop(), hub?.stop()])
  await tokens?.stop()
  rmSync(configDir, { recursive: true, force: true })
  if (savedDockerConfig === undefined) delete process.env['DOCKER_CONFIG']
  else process.env['DOCKER_CONFIG'] = savedDockerConfig
})

describe('resolveImage on a registry without authentication', () => {
  it('resolves a tag to the digest that was pushed', async () => {
    const resolved = await resolveImage(parseImageRef(`${open.host}/org/app:v1`))
    expect(resolved).toEqual({
      ref: { registry: open.host, repository: 'org/app', tag: 'v1', digest: app.digest },
      name: `${open.host}/org/app`,
      digest: app.digest,
      pinnedRef: `${open.host}/org/app@${app.digest}`,
      mediaType: OCI_MANIFEST,
      isIndex: false,
      // A single image is its own platform image, with the platform its config names.
      platformImages: [{ platform: 'linux/amd64', digest: app.digest }]
    })
  })

  it('confirms a pinned digest with the registry', async () => {
    const resolved = await resolveImage(parseImageRef(`${open.host}/org/app@${app.digest}`))
    expect(resolved.digest).toBe(app.digest)
    expect(resolved.pinnedRef).toBe(`${open.host}/org/app@${app.digest}`)
  })

  it('names the index of a multi-platform image, not one platform', async () => {
    const resolved = await resolveImage(parseImageRef(`${open.host}/org/multi:v1`))
    expect(resolved.digest).toBe(multi.digest)
    expect(Object.values(multi.platformDigests)).not.toContain(resolved.digest)
    expect(resolved.mediaType).toBe(OCI_INDEX)
    expect(resolved.isIndex).toBe(true)
  })

  it('lists the platform images of an index, each by its own digest', async () => {
    const resolved = await resolveImage(parseImageRef(`${open.host}/org/multi:v1`))
    expect(resolved.platformImages).toEqual([
      { platform: 'linux/amd64', digest: multi.platformDigests['linux/amd64'] },
      { platform: 'linux/arm64', digest: multi.platformDigests['linux/arm64'] }
    ])
  })

  it('follows a tag that moved to a new image', async () => {
    const moved = await pushImage(open, 'org/moving', 'stable')
    const again = await pushImage(open, 'org/moving', 'stable')
    expect(again.digest).not.toBe(moved.digest)
    expect((await resolveImage(parseImageRef(`${open.host}/org/moving:stable`))).digest).toBe(
      again.digest
    )
  })

  it.each([
    ['a tag that does not exist', 'org/app:v2'],
    ['a repository that does not exist', 'org/nothing:v1'],
    ['a digest the registry does not hold', `org/app@sha256:${'0'.repeat(64)}`]
  ])('reports %s as not found', async (_what, image) => {
    const ref = parseImageRef(`${open.host}/${image}`)
    await expect(resolveImage(ref)).rejects.toThrow(
      `was not found in ${open.host}: check the tag or digest`
    )
  })

  it('reports a registry that does not answer as unreachable, with the cause', async () => {
    const port = await closedPort()
    const error = await resolveImage(parseImageRef(`127.0.0.1:${port}/org/app:v1`)).catch(
      (e: Error) => e
    )
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toMatch(
      new RegExp(`could not reach 127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`)
    )
    expect((error as Error).cause).toBeDefined()
  })
})

describe('resolveImage on a registry with basic authentication', () => {
  const image = () => parseImageRef(`${secured.host}/team/private:1.0`)

  it('signs in with the credentials it is given', async () => {
    const resolved = await resolveImage(image(), AUTH)
    expect(resolved.digest).toBe(privateApp.digest)
    // The manifest and config are read by digest with the same credentials.
    expect(resolved.platformImages).toEqual([
      { platform: 'linux/amd64', digest: privateApp.digest }
    ])
  })

  it('signs in with the Docker config that docker login wrote', async () => {
    const dir = writeDockerConfig(join(configDir, 'logged-in'), secured.host, AUTH)
    process.env['DOCKER_CONFIG'] = dir
    try {
      expect((await resolveImage(image())).digest).toBe(privateApp.digest)
    } finally {
      process.env['DOCKER_CONFIG'] = join(configDir, 'empty')
    }
  })

  it('says the credentials were refused when the password is wrong', async () => {
    const error = await resolveImage(image(), { ...AUTH, password: 'wrong' }).catch((e: Error) => e)
    expect((error as Error).message).toBe(
      `Image ${secured.host}/team/private:1.0: the registry refused the credentials: ` +
        'check registry-username/registry-password or docker login'
    )
    expect((error as Error).message).not.toContain('wrong')
  })

  it('says credentials are needed when there are none', async () => {
    await expect(resolveImage(image())).rejects.toThrow(
      /refused anonymous access and no credentials were found: set registry-username\/registry-password or docker login/
    )
  })
})

// The flow of Docker Hub and GHCR: every request needs a bearer token, anonymous ones included.
describe('resolveImage on a registry with a token server', () => {
  it('pulls a public image with an anonymous pull token', async () => {
    tokens.requests.length = 0
    const resolved = await resolveImage(parseImageRef(`${hub.host}/library/alpine:3.20`))
    expect(resolved.digest).toBe(hubPublic.digest)
    expect(resolved.platformImages).toEqual([{ platform: 'linux/amd64', digest: hubPublic.digest }])
    // Anonymous, and asking for no more than pull: no push scope, no credentials sent (the HEAD,
    // then the manifest and the config read by digest).
    expect(new Set(tokens.requests)).toEqual(new Set(['anonymous repository:library/alpine:pull']))
  })

  it('signs in to the token server with the credentials it is given', async () => {
    const resolved = await resolveImage(parseImageRef(`${hub.host}/team/private:1.0`), AUTH)
    expect(resolved.digest).toBe(hubPrivate.digest)
  })

  it('says the credentials were refused when the token server refuses them', async () => {
    const ref = parseImageRef(`${hub.host}/team/private:1.0`)
    await expect(resolveImage(ref, { ...AUTH, password: 'wrong' })).rejects.toThrow(
      'the registry refused the credentials'
    )
  })

  it('says credentials are needed for a private image pulled anonymously', async () => {
    await expect(resolveImage(parseImageRef(`${hub.host}/team/private:1.0`))).rejects.toThrow(
      'refused anonymous access and no credentials were found'
    )
  })
})

describe('resolveImage against a registry that answers with the wrong digest', () => {
  // No real registry does this; a misbehaving mirror or a proxy in the way might. A tiny one on
  // loopback answers every manifest HEAD with the Docker-Content-Digest it is told to.
  // The manifest GET by digest serves `served`: normally the manifest whose digest is `pinned`.
  const config = JSON.stringify({ os: 'linux', architecture: 'riscv64' })
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: 1 },
    layers: []
  })
  let answer: string | undefined
  let served = manifest
  let fake: Server
  let host: string
  beforeAll(async () => {
    fake = createHttpServer((req, res) => {
      const headers: Record<string, string> = { 'Content-Type': OCI_MANIFEST }
      if (req.method === 'GET' && req.url === `/v2/org/app/blobs/${sha(config)}`) {
        res.writeHead(200, headers).end(config)
        return
      }
      if (req.method === 'GET' && req.url?.startsWith('/v2/org/app/manifests/sha256:')) {
        res.writeHead(200, headers).end(served)
        return
      }
      headers['Content-Length'] = '2'
      if (answer !== undefined) headers['Docker-Content-Digest'] = answer
      res.writeHead(req.url?.startsWith('/v2/org/app/manifests/') ? 200 : 404, headers).end()
    })
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve))
    host = `127.0.0.1:${(fake.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => fake.close(() => resolve())))

  const pinned = sha(manifest)
  const other = `sha256:${'2'.repeat(64)}`

  it('refuses a pinned digest the registry answers with another digest for', async () => {
    answer = other
    await expect(resolveImage(parseImageRef(`${host}/org/app@${pinned}`))).rejects.toThrow(
      `${host} answered with digest ${other} for ${pinned}: the registry is not serving the pinned content`
    )
  })

  it('accepts the pinned digest when the registry confirms it', async () => {
    answer = pinned
    const resolved = await resolveImage(parseImageRef(`${host}/org/app@${pinned}`))
    expect(resolved.pinnedRef).toBe(`${host}/org/app@${pinned}`)
    expect(resolved.platformImages).toEqual([{ platform: 'linux/riscv64', digest: pinned }])
  })

  it('refuses a manifest whose content does not hash to the digest it was read by', async () => {
    answer = pinned
    served = manifest.replace('"layers":[]', '"layers":[],"annotations":{"x":"y"}')
    try {
      await expect(resolveImage(parseImageRef(`${host}/org/app@${pinned}`))).rejects.toThrow(
        `the registry served content with digest ${sha(served)} for ${pinned}`
      )
    } finally {
      served = manifest
    }
  })

  it.each([
    ['no digest at all', undefined],
    ['a digest that is not sha256', `sha512:${'3'.repeat(128)}`],
    ['a malformed sha256 digest', 'sha256:abc']
  ])('refuses a tag the registry answers with %s', async (_what, digest) => {
    answer = digest
    await expect(resolveImage(parseImageRef(`${host}/org/app:v1`))).rejects.toThrow(
      `${host} did not return a sha256 digest for v1 (got "${digest ?? ''}"): pin the image by digest`
    )
  })
})

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 1))
    })
  })
}
