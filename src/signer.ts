// How a signer is named in messages, the summary and the log, one owner, so that "who signed" reads
// the same wherever it appears.
import type { SignerInfo } from './types.js'

/** "key SHA256:ab… (cosign.key)" or "https://github.com/… (issuer https://token…)", plain text. */
export function describeSigner(signer: SignerInfo): string {
  if (signer.kind === 'keyless') return `${signer.identity} (issuer ${signer.issuer})`
  return signer.fingerprint
    ? `key ${signer.fingerprint} (${signer.keySource})`
    : `key ${signer.keySource}`
}
