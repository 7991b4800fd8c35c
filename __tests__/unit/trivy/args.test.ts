// The argv and environment of the one `trivy image` call, for every input that shapes them.
import { describe, expect, it } from '@jest/globals'
import { buildScanArgs, scanLabel } from '../../../src/trivy/scan.js'
import { scanEnv } from '../../../src/trivy/run.js'
import { options, PINNED, SCAN_ARGS_CASES } from './scan-args-cases.js'

describe('buildScanArgs', () => {
  it.each(SCAN_ARGS_CASES)('%s', (_name, overrides, expected) => {
    expect(buildScanArgs(options(overrides))).toEqual(expected)
  })

  it('never filters by severity nor sets an exit code (the gate reads the JSON)', () => {
    const args = buildScanArgs(options({ ignoreUnfixed: true, platform: 'linux/amd64' }))
    // Every severity is listed, so that nothing but argv decides which ones trivy reports.
    const severity = args.indexOf('--severity')
    expect(args[severity + 1]?.split(',').sort()).toEqual([
      'CRITICAL',
      'HIGH',
      'LOW',
      'MEDIUM',
      'UNKNOWN'
    ])
    expect(args.some((a) => a.startsWith('--exit-code'))).toBe(false)
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

  it('points trivy at a private Docker config, never TRIVY_USERNAME/TRIVY_PASSWORD', () => {
    const env = scanEnv({ cacheDir: '/tmp/cache', dockerConfig: '/private/docker' })
    expect(env['DOCKER_CONFIG']).toBe('/private/docker')
    expect(Object.keys(env).filter((name) => /USERNAME|PASSWORD/.test(name))).toEqual([])
  })
})

describe('scanLabel', () => {
  it('names the tarball for a tarball source and the target otherwise', () => {
    expect(scanLabel(options())).toBe(PINNED)
    expect(scanLabel(options({ source: { kind: 'tarball', path: '/ws/i.tar' } }))).toBe('/ws/i.tar')
  })
})
