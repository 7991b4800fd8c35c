// The GitHub Actions OIDC token behind keyless signing. The action fetches the `sigstore` token and
// hands cosign only that token; it checks first that the job can get one at all (so the user gets an
// actionable error instead of a cosign stack), and reads the token's claims to know which identity
// the signature will carry, for the default verification policy. The token itself is never logged
// (getIDToken also masks it).
import * as core from '@actions/core'

export const GITHUB_OIDC_ISSUER = 'https://token.actions.githubusercontent.com'

export interface WorkflowIdentity {
  /** `https://github.com/<job_workflow_ref>`: the certificate identity cosign gets from Fulcio. */
  identity: string
  issuer: string
}

/** Throws, naming the fix, when this job cannot request an OIDC token. Call before starting cosign. */
export function assertIdTokenAvailable(env: NodeJS.ProcessEnv = process.env): void {
  if (env['ACTIONS_ID_TOKEN_REQUEST_URL'] && env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']) return
  throw new Error(
    'Keyless signing needs a GitHub OIDC token, but this job cannot request one ' +
      '(ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set). ' +
      'Grant it with `permissions: id-token: write` on the job, or set `cosign-key` to sign with a key. ' +
      'Pull requests from forks never get an OIDC token: sign in a workflow that runs on push or release.'
  )
}

/** The claims of a JWT, without checking its signature (the token comes straight from the runner). */
export function decodeJwtClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1]
  if (!payload) throw new Error('The OIDC token is not a JWT')
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    if (typeof claims === 'object' && claims !== null) return claims as Record<string, unknown>
  } catch {
    // Reported below without the token's contents.
  }
  throw new Error('The OIDC token has no readable claims')
}

/**
 * A short-lived OIDC token with the `sigstore` audience, fetched by the action: cosign gets this
 * token (SIGSTORE_ID_TOKEN) and never the request URL and token that could mint others.
 */
export async function sigstoreIdToken(): Promise<string> {
  assertIdTokenAvailable()
  try {
    return await core.getIDToken('sigstore')
  } catch (error) {
    throw new Error(
      'Could not get a GitHub OIDC token for keyless signing; check that the job has `permissions: id-token: write`',
      { cause: error }
    )
  }
}

/** The identity and issuer a keyless signature made in this job carries. */
export async function workflowIdentity(): Promise<WorkflowIdentity> {
  const claims = decodeJwtClaims(await sigstoreIdToken())
  const ref = claims['job_workflow_ref']
  if (typeof ref !== 'string' || ref === '') {
    throw new Error(
      'The GitHub OIDC token has no job_workflow_ref claim to derive the signing identity from'
    )
  }
  const issuer = typeof claims['iss'] === 'string' ? claims['iss'] : GITHUB_OIDC_ISSUER
  return { identity: `https://github.com/${ref}`, issuer }
}
