// The argv and environment of the one `trivy image` call, for every input that shapes them.
import { describe, expect, it } from '@jest/globals'
import { buildScanArgs, scanEnv, scanLabel } from '../../../src/trivy/scan.js'
import { options, PINNED, SCAN_ARGS_CASES } from './scan-args-cases.js'

describe('buildScanArgs', () => {
  it.each(SCAN_ARGS_CASES)('%s', (_name, overrides, expected) => {
    expect(buildScanArgs(options(overrides))).toEqual(expected)
  })

  it('never filters by severity nor sets an exit code (the gate reads the JSON)', () => {
    const args = buildScanArgs(options({ ignoreUnfixed: true, platform: 'linux/amd64' }))
    expect(args.some((a) => a.startsWith('--severity') || a.startsWith('--exit-code'))).toBe(false)
  })

  it('keeps registry credentials out of argv', () => {
    const credentials = { username: 'ci-bot', password: 'hunter2-secret' }
    const args = buildScanArgs(options({ credentials })).join(' ')
    expect(args).not.toContain('hunter2-secret')
    expect(args).not.toContain('ci-bot')
    expect(args).not.toMatch(/--username|--password|--registry-token/)
  })
})

describe('scanEnv', () => {
  it('sets the CI-friendly switches and the cache dir', () => {
    expect(scanEnv(options())).toEqual({
      TRIVY_NO_PROGRESS: 'true',
      TRIVY_SKIP_VERSION_CHECK: 'true',
      TRIVY_DISABLE_TELEMETRY: 'true',
      TRIVY_CACHE_DIR: '/tmp/cache'
    })
  })

  it('passes registry credentials through the environment', () => {
    const env = scanEnv(options({ credentials: { username: 'ci-bot', password: 'p4ss:w0rd' } }))
    expect(env['TRIVY_USERNAME']).toBe('ci-bot')
    expect(env['TRIVY_PASSWORD']).toBe('p4ss:w0rd')
  })
})

describe('scanLabel', () => {
  it('names the tarball for a tarball source and the target otherwise', () => {
    expect(scanLabel(options())).toBe(PINNED)
    expect(scanLabel(options({ source: { kind: 'tarball', path: '/ws/i.tar' } }))).toBe('/ws/i.tar')
  })
})
