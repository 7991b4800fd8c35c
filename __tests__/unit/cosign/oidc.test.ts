// Keyless signing's identity: a job without `id-token: write` is told the fix before cosign starts,
// cosign gets only a `sigstore` token, and the identity the default policy verifies is the one in it.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'

const getIDToken = jest.fn<(audience?: string) => Promise<string>>()
jest.unstable_mockModule('@actions/core', () => ({ getIDToken }))

const { assertIdTokenAvailable, decodeJwtClaims, sigstoreIdToken, workflowIdentity } =
  await import('../../../src/cosign/oidc.js')

const jwt = (claims: object): string =>
  ['header', Buffer.from(JSON.stringify(claims)).toString('base64url'), 'signature'].join('.')

const REQUEST_ENV = {
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://runner.invalid/token',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token'
}
const saved = { ...process.env }

beforeEach(() => {
  getIDToken.mockReset()
  Object.assign(process.env, REQUEST_ENV)
})
afterEach(() => {
  for (const name of Object.keys(REQUEST_ENV)) delete process.env[name]
  Object.assign(process.env, saved)
})

describe('assertIdTokenAvailable', () => {
  it('names the permission to grant, and the key alternative, when the job cannot get a token', () => {
    expect(() => assertIdTokenAvailable({})).toThrow(/permissions: id-token: write/)
    expect(() => assertIdTokenAvailable({})).toThrow(/cosign-key/)
    expect(() =>
      assertIdTokenAvailable({ ACTIONS_ID_TOKEN_REQUEST_URL: 'https://runner.invalid/token' })
    ).toThrow(/ACTIONS_ID_TOKEN_REQUEST_TOKEN/)
  })

  it('lets a job with both request variables go on', () => {
    expect(() => assertIdTokenAvailable(REQUEST_ENV)).not.toThrow()
  })
})

describe('sigstoreIdToken', () => {
  it('asks for a token with the sigstore audience only', async () => {
    getIDToken.mockResolvedValue('the.sigstore.token')
    await expect(sigstoreIdToken()).resolves.toBe('the.sigstore.token')
    expect(getIDToken).toHaveBeenCalledWith('sigstore')
  })

  it('does not ask the runner at all when the job has no id-token permission', async () => {
    for (const name of Object.keys(REQUEST_ENV)) delete process.env[name]
    await expect(sigstoreIdToken()).rejects.toThrow(/id-token: write/)
    expect(getIDToken).not.toHaveBeenCalled()
  })

  it('wraps a failed request with the fix, keeping the cause', async () => {
    const cause = new Error('HTTP 403')
    getIDToken.mockRejectedValue(cause)
    const error: Error = await sigstoreIdToken().then(
      () => new Error('no error'),
      (e: unknown) => e as Error
    )
    expect(error.message).toMatch(/Could not get a GitHub OIDC token.*id-token: write/)
    expect(error.cause).toBe(cause)
  })
})

describe('workflowIdentity', () => {
  it('is the workflow file and ref from the token, as Fulcio puts it in the certificate', async () => {
    getIDToken.mockResolvedValue(
      jwt({
        iss: 'https://token.actions.githubusercontent.com',
        job_workflow_ref: 'octo/app/.github/workflows/release.yml@refs/tags/v1',
        sub: 'repo:octo/app:ref:refs/tags/v1'
      })
    )
    await expect(workflowIdentity()).resolves.toEqual({
      identity: 'https://github.com/octo/app/.github/workflows/release.yml@refs/tags/v1',
      issuer: 'https://token.actions.githubusercontent.com'
    })
  })

  it("takes a GHES issuer from the token, and GitHub.com's when the token has none", async () => {
    getIDToken.mockResolvedValue(
      jwt({
        iss: 'https://ghes.example/_services/token',
        job_workflow_ref: 'o/r/w.yml@refs/heads/main'
      })
    )
    expect((await workflowIdentity()).issuer).toBe('https://ghes.example/_services/token')
    getIDToken.mockResolvedValue(jwt({ job_workflow_ref: 'o/r/w.yml@refs/heads/main' }))
    expect((await workflowIdentity()).issuer).toBe('https://token.actions.githubusercontent.com')
  })

  it('refuses a token without job_workflow_ref rather than guess the identity', async () => {
    getIDToken.mockResolvedValue(jwt({ iss: 'https://token.actions.githubusercontent.com' }))
    await expect(workflowIdentity()).rejects.toThrow(/no job_workflow_ref claim/)
  })
})

describe('decodeJwtClaims', () => {
  it('reads the payload of a JWT', () => {
    expect(decodeJwtClaims(jwt({ sub: 'x', n: 1 }))).toEqual({ sub: 'x', n: 1 })
  })

  it('never repeats the token in its errors', () => {
    expect(() => decodeJwtClaims('secret-without-dots')).toThrow('The OIDC token is not a JWT')
    const garbled = 'head.c2VjcmV0LXBheWxvYWQ.sig'
    expect(() => decodeJwtClaims(garbled)).toThrow('The OIDC token has no readable claims')
    expect(() => decodeJwtClaims(garbled)).not.toThrow(/secret/)
  })
})
