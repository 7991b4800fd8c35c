// cosign command lines: what the action asks cosign to do, for each way of signing and verifying.
import { describe, expect, it } from '@jest/globals'
import {
  annotationArg,
  attestArgs,
  signArgs,
  signingConfigArgs,
  tlogMode,
  verifyArgs,
  verifyAttestationArgs
} from '../../../src/cosign/args.js'
import { base, REF, SIGN_ARGS_CASES, VERIFY_ARGS_CASES } from './args-cases.js'

describe('signArgs', () => {
  it.each(SIGN_ARGS_CASES)('%s', (_name, options, expected) => {
    expect(signArgs({ ...base, ...options })).toEqual(expected)
  })

  it('always ends with the pinned reference and always says --yes', () => {
    const args = signArgs({ ...base, keyRef: 'k', annotations: [['a', 'b']] })
    expect(args.at(-1)).toBe(REF)
    expect(args).toContain('--yes')
  })

  it('never signs recursively: each platform image is named by its own digest', () => {
    for (const [, options] of SIGN_ARGS_CASES) {
      expect(signArgs({ ...base, ...options })).not.toContain('--recursive')
    }
  })
})

describe('annotationArg', () => {
  it.each([
    ['run', '42', 'run=42'],
    ['list', 'a,b', '"list=a,b"'],
    ['quote', 'say "hi"', '"quote=say ""hi"""']
  ])('%s=%s is one CSV field for cosign', (key, value, expected) => {
    expect(annotationArg(key, value)).toBe(expected)
  })
})

describe('tlogMode', () => {
  it.each<[boolean, string, string | false | undefined, object]>([
    [true, '3.0.6', undefined, { upload: true }],
    [true, '2.6.1', undefined, { upload: true }],
    [false, '2.6.1', undefined, { upload: false, cosignMajor: 2 }],
    [false, 'v3.0.6', '/p/sc.json', { upload: false, signingConfig: '/p/sc.json' }],
    [false, '3.0.6', false, { upload: false, signingConfig: false }]
  ])('tlog-upload %s on cosign %s', (upload, version, config, expected) => {
    expect(tlogMode(upload, version, config)).toEqual(expected)
  })

  it('refuses to switch the log off on cosign v3 without a signing config', () => {
    expect(() => tlogMode(false, '3.0.6')).toThrow(/signing config/)
  })

  it('creates the signing config without Rekor', () => {
    expect(signingConfigArgs('/p/sc.json')).toEqual([
      'signing-config',
      'create',
      '--with-default-services',
      '--no-default-rekor',
      '--out',
      '/p/sc.json'
    ])
  })
})

describe('attestArgs', () => {
  it('attests the vuln predicate on the pinned reference', () => {
    expect(
      attestArgs({
        pinnedRef: REF,
        keyRef: '/p/k',
        tlog: { upload: true },
        predicateFile: '/w/vuln.json',
        type: 'vuln'
      })
    ).toEqual([
      'attest',
      '--yes',
      '--key',
      '/p/k',
      '--type',
      'vuln',
      '--predicate',
      '/w/vuln.json',
      REF
    ])
  })

  it('attests an SBOM as the cyclonedx type of cosign', () => {
    expect(
      attestArgs({
        pinnedRef: REF,
        tlog: { upload: true },
        predicateFile: '/w/sbom.cdx.json',
        type: 'sbom'
      })
    ).toEqual(['attest', '--yes', '--type', 'cyclonedx', '--predicate', '/w/sbom.cdx.json', REF])
  })
})

describe('verifyArgs and verifyAttestationArgs', () => {
  it.each(VERIFY_ARGS_CASES)('%s', (_name, options, policyArgs) => {
    expect(verifyArgs(options)).toEqual(['verify', ...policyArgs, '-o', 'json', REF])
    expect(verifyAttestationArgs(options, 'vuln')).toEqual([
      'verify-attestation',
      '--type',
      'vuln',
      ...policyArgs,
      REF
    ])
    expect(verifyAttestationArgs(options, 'sbom')).toEqual([
      'verify-attestation',
      '--type',
      'cyclonedx',
      ...policyArgs,
      REF
    ])
  })
})

describe('an identity regexp', () => {
  const pattern = 'github\\.com/acme/api/'
  const args = verifyArgs({
    pinnedRef: REF,
    tlogUpload: true,
    policy: {
      kind: 'keyless',
      identityRegexp: pattern,
      issuer: 'https://token.actions.githubusercontent.com'
    }
  })
  const given = args[args.indexOf('--certificate-identity-regexp') + 1] ?? ''

  it('reaches cosign anchored, so that it must match the whole identity', () => {
    expect(given).toBe(`^(?:${pattern})$`)
    const attacker =
      'https://github.com/attacker/fork/.github/workflows/x.yml@refs/heads/github.com/acme/api/release'
    // cosign matches with Go's regexp.MatchString, which finds a match anywhere, as JS test() does.
    expect(new RegExp(pattern).test(attacker)).toBe(true)
    expect(new RegExp(given).test(attacker)).toBe(false)
    const whole = 'https://github\\.com/acme/api/\\.github/workflows/release\\.yml@refs/tags/v.*'
    const wholeArgs = verifyArgs({
      pinnedRef: REF,
      tlogUpload: true,
      policy: { kind: 'keyless', identityRegexp: whole }
    })
    const anchored = wholeArgs[wholeArgs.indexOf('--certificate-identity-regexp') + 1] ?? ''
    expect(
      new RegExp(anchored).test(
        'https://github.com/acme/api/.github/workflows/release.yml@refs/tags/v1.2.0'
      )
    ).toBe(true)
  })
})
