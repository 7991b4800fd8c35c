// The one seam through which tools run: argv only (no shell), and none of the action's inputs.
import { afterEach, describe, expect, it } from '@jest/globals'
import { runTool } from '../../../src/tools/exec.js'

const printEnv = ['-e', 'process.stdout.write(JSON.stringify(process.env))']

describe('runTool', () => {
  const planted: Record<string, string> = {
    TRIVY_SEVERITY: 'LOW',
    COSIGN_EXPERIMENTAL: '1',
    SIGSTORE_ROOT_FILE: '/tmp/evil-root.pem',
    TUF_ROOT: '/tmp/evil-tuf',
    ACTIONS_RUNTIME_TOKEN: 'runtime-token',
    ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:1/token',
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-request-token',
    GITHUB_TOKEN: 'ghs_token',
    MY_SIGNING_KEY: 'key material',
    AWS_SECRET_ACCESS_KEY: 'aws secret'
  }

  afterEach(() => {
    delete process.env['INPUT_COSIGN-PASSWORD']
    delete process.env['IMGSEC_EXEC_TEST']
    for (const name of Object.keys(planted)) delete process.env[name]
  })

  it('keeps the action’s inputs (passwords among them) out of the tool’s environment', async () => {
    process.env['INPUT_COSIGN-PASSWORD'] = 'hunter2'
    process.env['IMGSEC_EXEC_TEST'] = 'inherited'
    const result = await runTool(process.execPath, printEnv, {
      env: { COSIGN_PASSWORD: 'meant-for-cosign' },
      silent: true
    })
    const env = JSON.parse(result.stdout) as Record<string, string>
    expect(env['INPUT_COSIGN-PASSWORD']).toBeUndefined()
    // Nothing outside the allow-list is inherited (before: every variable but INPUT_*).
    expect(env['IMGSEC_EXEC_TEST']).toBeUndefined()
    expect(env['COSIGN_PASSWORD']).toBe('meant-for-cosign')
  })

  it('starts the tool from an allow-list: no job tokens, no TRIVY_/COSIGN_/SIGSTORE_/TUF_ settings', async () => {
    Object.assign(process.env, planted)
    const result = await runTool(process.execPath, printEnv, {
      env: { TRIVY_CACHE_DIR: '/tmp/ours' },
      silent: true
    })
    const env = JSON.parse(result.stdout) as Record<string, string>
    for (const name of Object.keys(planted)) expect(env[name]).toBeUndefined()
    expect(env['TRIVY_CACHE_DIR']).toBe('/tmp/ours')
    expect(env['PATH']).toBe(process.env['PATH'])
  })

  it('inherits what a caller names, but never a denied variable', async () => {
    Object.assign(process.env, planted)
    const result = await runTool(process.execPath, printEnv, {
      inherit: ['AWS_', 'MY_SIGNING_KEY', 'TRIVY_SEVERITY', 'GITHUB_TOKEN'],
      silent: true
    })
    const env = JSON.parse(result.stdout) as Record<string, string>
    expect(env['AWS_SECRET_ACCESS_KEY']).toBe('aws secret')
    expect(env['MY_SIGNING_KEY']).toBe('key material')
    expect(env['TRIVY_SEVERITY']).toBeUndefined()
    expect(env['GITHUB_TOKEN']).toBeUndefined()
  })

  it('passes arguments as they are, never through a shell', async () => {
    const tricky = '$(touch /tmp/imgsec-pwned); `id` | cat > x'
    const result = await runTool(
      process.execPath,
      ['-e', 'process.stdout.write(process.argv[1])', tricky],
      { silent: true }
    )
    expect(result.stdout).toBe(tricky)
  })

  it('returns a failing exit code instead of throwing', async () => {
    const result = await runTool(process.execPath, ['-e', 'process.exit(3)'], { silent: true })
    expect(result.exitCode).toBe(3)
  })
})
