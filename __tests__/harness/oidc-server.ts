// The runner's OIDC token endpoint on loopback (what ACTIONS_ID_TOKEN_REQUEST_URL points at when a
// job has `permissions: id-token: write`). It returns an unsigned JWT with the claims cosign and the
// action read: `iss` and `job_workflow_ref`.
//
//   const oidc = await startOidcServer({ jobWorkflowRef: 'org/repo/.github/workflows/release.yml@refs/heads/main' })
//   oidc.env        { ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN } for the job
//   oidc.requests   how many tokens were handed out
//   await oidc.stop()
//   startOidcServer({ …, hold: true })  never answers, as a token service that hangs: the job waits
//                   there (to cancel it at a known point); oidc.requested settles at the first request
import { createServer } from 'node:http'

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com'
const REQUEST_TOKEN = 'oidc-request-token-for-tests'

export interface OidcServer {
  env: Record<string, string>
  requests: number
  /** Settles when the first token request arrives. */
  requested: Promise<void>
  stop(): Promise<void>
}

export async function startOidcServer(claims: {
  jobWorkflowRef: string
  hold?: boolean
}): Promise<OidcServer> {
  const payload = Buffer.from(
    JSON.stringify({ iss: GITHUB_ISSUER, job_workflow_ref: claims.jobWorkflowRef, aud: 'sigstore' })
  ).toString('base64url')
  const state = { requests: 0 }
  let markRequested = (): void => undefined
  const requested = new Promise<void>((resolve) => (markRequested = resolve))
  const server = createServer((req, res) => {
    markRequested()
    if (claims.hold) return
    // The auth scheme is case-insensitive (RFC 9110); the token is not.
    const [scheme, token] = (req.headers.authorization ?? '').split(' ')
    const authorized = scheme?.toLowerCase() === 'bearer' && token === REQUEST_TOKEN
    if (authorized) state.requests++
    res.writeHead(authorized ? 200 : 403, { 'Content-Type': 'application/json' })
    res.end(authorized ? JSON.stringify({ value: `e30.${payload}.c2lnbmF0dXJl` }) : '{}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    env: {
      ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/token?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN
    },
    get requests() {
      return state.requests
    },
    requested,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
