// The cosign command lines the action builds, shared by the unit test of the argv builders and the
// real tier's conformance test (every line must parse with the real cosign).
import type { ImageSignArgs, VerifyArgs } from '../../../src/cosign/args.js'

export const REF = `127.0.0.1:5000/team/app@sha256:${'a'.repeat(64)}`
export const base: ImageSignArgs = {
  pinnedRef: REF,
  tlog: { upload: true },
  annotations: []
}

const issuer = 'https://token.actions.githubusercontent.com'

export const SIGN_ARGS_CASES: Array<[string, Partial<ImageSignArgs>, string[]]> = [
  ['keyless', {}, ['sign', '--yes', REF]],
  [
    'with a key file',
    { keyRef: '/tmp/p/cosign.key' },
    ['sign', '--yes', '--key', '/tmp/p/cosign.key', REF]
  ],
  [
    'with a KMS key',
    { keyRef: 'awskms:///alias/release' },
    ['sign', '--yes', '--key', 'awskms:///alias/release', REF]
  ],
  [
    'with annotations, in order',
    {
      annotations: [
        ['run', '42'],
        ['repo', 'octo/app']
      ]
    },
    ['sign', '--yes', '-a', 'run=42', '-a', 'repo=octo/app', REF]
  ],
  [
    'without tlog on cosign v2',
    { tlog: { upload: false, cosignMajor: 2 } },
    ['sign', '--yes', '--tlog-upload=false', REF]
  ],
  [
    'without tlog on cosign v3, keyless',
    { tlog: { upload: false, signingConfig: '/tmp/p/sc.json' } },
    ['sign', '--yes', '--signing-config', '/tmp/p/sc.json', REF]
  ],
  [
    'without tlog on cosign v3 with a key: no signing config, nothing from TUF',
    { keyRef: 'k', tlog: { upload: false, signingConfig: false } },
    ['sign', '--yes', '--key', 'k', '--use-signing-config=false', '--tlog-upload=false', REF]
  ]
]

export const VERIFY_ARGS_CASES: Array<[string, VerifyArgs, string[]]> = [
  [
    'with a key',
    { pinnedRef: REF, tlogUpload: true, policy: { kind: 'key', keyRef: '/p/cosign.pub' } },
    ['--key', '/p/cosign.pub']
  ],
  [
    'with an identity',
    {
      pinnedRef: REF,
      tlogUpload: true,
      policy: {
        kind: 'keyless',
        identity: 'https://github.com/o/r/.github/workflows/w.yml@refs/heads/main',
        issuer
      }
    },
    [
      '--certificate-identity',
      'https://github.com/o/r/.github/workflows/w.yml@refs/heads/main',
      '--certificate-oidc-issuer',
      issuer
    ]
  ],
  [
    'with an identity regexp',
    {
      pinnedRef: REF,
      tlogUpload: true,
      policy: { kind: 'keyless', identityRegexp: '^https://github.com/o/', issuer }
    },
    [
      '--certificate-identity-regexp',
      '^(?:^https://github.com/o/)$',
      '--certificate-oidc-issuer',
      issuer
    ]
  ],
  [
    'without the transparency log',
    { pinnedRef: REF, tlogUpload: false, policy: { kind: 'key', keyRef: 'k.pub' } },
    ['--key', 'k.pub', '--insecure-ignore-tlog']
  ]
]
