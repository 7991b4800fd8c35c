// A Docker distribution token server on loopback, so that tests can run the bearer-token flow that
// Docker Hub and GHCR use: anonymous pull tokens, and tokens for users with a password. It signs
// ES256 JWTs with a throw-away certificate that the registry trusts (auth.token.rootcertbundle).
import { execFile } from 'node:child_process'
import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { RegistryAuth } from './registry.js'

export interface TokenServer {
  realm: string
  service: string
  issuer: string
  /** PEM certificate the registry must trust. */
  certFile: string
  /** The user with push and pull rights, if any. */
  user?: RegistryAuth
  /** Scopes asked for, as the token server saw them (`anonymous repository:org/app:pull`). */
  requests: string[]
  stop(): Promise<void>
}

export interface TokenServerOptions {
  /** The one user with push and pull rights. */
  user?: RegistryAuth
  /** Repositories that anyone may pull without credentials. */
  publicRepositories?: string[]
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url')

function basicUser(request: IncomingMessage): RegistryAuth | undefined {
  const header = request.headers.authorization ?? ''
  if (!header.startsWith('Basic ')) return undefined
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

/** Starts the token server; point a registry at it with `startRegistry({ tokenServer })`. */
export async function startTokenServer(options: TokenServerOptions = {}): Promise<TokenServer> {
  const dir = mkdtempSync(join(tmpdir(), 'imgsec-token-'))
  const keyFile = join(dir, 'key.pem')
  const certFile = join(dir, 'cert.pem')
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=imgsec-test-token'
  ]) // prettier-ignore
  const key = createPrivateKey(readFileSync(keyFile))
  const certDer = new X509Certificate(readFileSync(certFile)).raw
  const service = 'imgsec-test-registry'
  const issuer = 'imgsec-test-issuer'
  const requests: string[] = []

  function token(subject: string, access: { name: string; actions: string[] }[]): string {
    const now = Math.floor(Date.now() / 1000)
    const header = { alg: 'ES256', typ: 'JWT', x5c: [certDer.toString('base64')] }
    const claims = {
      iss: issuer,
      sub: subject,
      aud: service,
      iat: now,
      nbf: now - 10,
      exp: now + 300,
      jti: randomUUID(),
      access: access.map((entry) => ({ type: 'repository', ...entry }))
    }
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`
    const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
    return `${input}.${base64url(signature)}`
  }

  function handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://token')
    const presented = basicUser(request)
    const scopes = url.searchParams.getAll('scope')
    requests.push(`${presented ? presented.username : 'anonymous'} ${scopes.join(' ')}`)
    const user = options.user
    const known =
      presented &&
      user &&
      presented.username === user.username &&
      presented.password === user.password
    if (presented && !known) {
      response.writeHead(401, { 'Content-Type': 'application/json' })
      response.end(JSON.stringify({ details: 'incorrect username or password' }))
      return
    }
    const access = scopes.flatMap((scope) => {
      const [type, name = '', wanted = ''] = scope.split(':')
      if (type !== 'repository') return []
      if (known) return [{ name, actions: wanted.split(',') }]
      const pull = options.publicRepositories?.includes(name) && wanted.split(',').includes('pull')
      return pull ? [{ name, actions: ['pull'] }] : []
    })
    const issued = token(known ? user.username : '', access)
    response.writeHead(200, { 'Content-Type': 'application/json' })
    response.end(JSON.stringify({ token: issued, access_token: issued, expires_in: 300 }))
  }

  const server = createServer(handle)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certFile,
    user: options.user,
    requests,
    async stop() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
