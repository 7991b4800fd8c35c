// A real OCI registry on loopback for tests: Debian's `docker-registry` (distribution v2), with
// filesystem storage in a temporary directory and, when asked, htpasswd (basic) authentication.
import bcrypt from 'bcryptjs'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TokenServer } from './token-server.js'

export interface RegistryAuth {
  username: string
  password: string
}

export interface TestRegistry {
  /** `127.0.0.1:PORT`, the registry part of an image reference. */
  host: string
  /** `http://127.0.0.1:PORT` */
  url: string
  /** Credentials that may push (pushImage uses them). */
  auth?: RegistryAuth
  stop(): Promise<void>
}

const REGISTRY_BINARY = '/usr/bin/docker-registry'
const START_ATTEMPTS = 5
const READY_TIMEOUT_MS = 15000

/** A port that was free a moment ago (the OS picks it for port 0). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export interface RegistryOptions {
  /** Basic authentication (htpasswd) with this one user. */
  auth?: RegistryAuth
  /** Bearer-token authentication through this token server, as Docker Hub and GHCR do. */
  tokenServer?: TokenServer
}

function authConfig(htpasswd: string | undefined, tokenServer: TokenServer | undefined): string[] {
  if (tokenServer) {
    return [
      'auth:',
      '  token:',
      `    realm: ${tokenServer.realm}`,
      `    service: ${tokenServer.service}`,
      `    issuer: ${tokenServer.issuer}`,
      `    rootcertbundle: ${tokenServer.certFile}`
    ]
  }
  if (htpasswd) return ['auth:', '  htpasswd:', '    realm: imgsec-test', `    path: ${htpasswd}`]
  return []
}

function registryConfig(root: string, port: number, auth: string[]): string {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(root, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    ...auth
  ]
  return lines.join('\n') + '\n'
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
  await exited(child)
  clearTimeout(timer)
}

/** Polls `GET /v2/` until the registry answers (any HTTP status) or the process dies. */
async function waitUntilReady(child: ChildProcess, url: string): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false
    try {
      const response = await fetch(`${url}/v2/`)
      await response.arrayBuffer()
      return true
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  return false
}

/** Starts a registry on a free loopback port; `stop()` kills it and removes its storage. */
export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  const root = mkdtempSync(join(tmpdir(), 'imgsec-registry-'))
  let htpasswd: string | undefined
  if (options.auth) {
    htpasswd = join(root, 'htpasswd')
    // distribution only accepts bcrypt entries; cost 4 keeps the test fast.
    const hash = bcrypt.hashSync(options.auth.password, 4)
    writeFileSync(htpasswd, `${options.auth.username}:${hash}\n`)
  }
  let stderr = ''
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const port = await freePort()
    const configFile = join(root, `config-${attempt}.yml`)
    writeFileSync(configFile, registryConfig(root, port, authConfig(htpasswd, options.tokenServer)))
    const child = spawn(REGISTRY_BINARY, ['serve', configFile], {
      stdio: ['ignore', 'ignore', 'pipe']
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000)
    })
    const url = `http://127.0.0.1:${port}`
    if (await waitUntilReady(child, url)) {
      return {
        host: `127.0.0.1:${port}`,
        url,
        auth: options.auth ?? options.tokenServer?.user,
        async stop() {
          await stopProcess(child)
          rmSync(root, { recursive: true, force: true })
        }
      }
    }
    // Most likely another process took the port between our probe and the registry's bind.
    await stopProcess(child)
  }
  rmSync(root, { recursive: true, force: true })
  throw new Error(`docker-registry did not start after ${START_ATTEMPTS} attempts:\n${stderr}`)
}
