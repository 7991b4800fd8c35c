// "Who signed" reads the same in the summary, the log and verification messages.
import { describe, expect, it } from '@jest/globals'
import { describeSigner } from '../../src/signer.js'

describe('describeSigner', () => {
  it('names a key by fingerprint and source, or by source alone when it has no fingerprint', () => {
    expect(
      describeSigner({ kind: 'key', fingerprint: 'SHA256:abc', keySource: 'cosign.pub' })
    ).toBe('key SHA256:abc (cosign.pub)')
    expect(describeSigner({ kind: 'key', fingerprint: '', keySource: 'awskms:///alias/x' })).toBe(
      'key awskms:///alias/x'
    )
  })

  it('names a keyless signer by identity and issuer', () => {
    expect(
      describeSigner({
        kind: 'keyless',
        identity: 'https://github.com/acme/api/.github/workflows/release.yml@refs/tags/v1',
        issuer: 'https://token.actions.githubusercontent.com'
      })
    ).toBe(
      'https://github.com/acme/api/.github/workflows/release.yml@refs/tags/v1 (issuer https://token.actions.githubusercontent.com)'
    )
  })
})
