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
    const args = signArgs({ ...base, keyRef: 'k', recursive: true, annotations: [['a', 'b']] })
    expect(args.at(-1)).toBe(REF)
    expect(args).toContain('--yes')
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
        predicateFile: '/w/vuln.json'
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
})

describe('verifyArgs and verifyAttestationArgs', () => {
  it.each(VERIFY_ARGS_CASES)('%s', (_name, options, policyArgs) => {
    expect(verifyArgs(options)).toEqual(['verify', ...policyArgs, '-o', 'json', REF])
    expect(verifyAttestationArgs(options)).toEqual([
      'verify-attestation',
      '--type',
      'vuln',
      ...policyArgs,
      REF
    ])
  })
})
