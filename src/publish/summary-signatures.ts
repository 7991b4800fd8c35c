// The signature, attestation and verification part of the job summary: who signed (key
// fingerprint or certificate identity and issuer), where the signature lives, the
// transparency-log entry, and what verification checked.
import type { SignResult, SignerInfo, TlogEntry, VerifyResult } from '../types.js'
import { code, escapeInline, link, table } from './markdown.js'

function signerCell(signer: SignerInfo): string {
  return signer.kind === 'key'
    ? `key ${code(signer.fingerprint)} from ${escapeInline(signer.keySource, 200)}`
    : `${code(signer.identity)}<br>issuer ${code(signer.issuer)}`
}

function tlogCell(entry: TlogEntry | undefined): string {
  if (!entry) return 'no entry (transparency-log upload was off)'
  return link(`entry ${entry.logIndex}`, entry.url)
}

function signSection(heading: string, result: SignResult): string {
  return `### ${heading}\n\n${table(
    ['', ''],
    [
      ['Signed by', signerCell(result.signer)],
      ['Stored at', result.images.map((i) => code(i.signatureRef)).join('<br>')],
      ['Transparency log', tlogCell(result.images[0]?.tlogEntry)]
    ]
  )}`
}

function verifySection(result: VerifyResult): string {
  const failed = result.images.find((i) => !i.verified)
  const verify = {
    ...result,
    tlogEntry: result.images[0]?.tlogEntry,
    failure: failed?.failure,
    checks: result.images.flatMap((i) => i.checks)
  }
  const rows: string[][] = []
  if (verify.signer) rows.push(['Signer', signerCell(verify.signer)])
  if (verify.tlogEntry) rows.push(['Transparency log', tlogCell(verify.tlogEntry)])
  if (verify.failure) rows.push(['Failure', escapeInline(verify.failure, 1000)])
  const heading = verify.verified ? '### ✅ Signature verified' : '### ❌ Signature not verified'
  const checks = verify.checks.map((c) => `- ${escapeInline(c, 500)}`).join('\n')
  return [heading, rows.length ? table(['', ''], rows) : '', checks ? `Checked:\n\n${checks}` : '']
    .filter((part) => part !== '')
    .join('\n\n')
}

export function renderSignatures(input: {
  sign?: SignResult
  attest?: SignResult
  verify?: VerifyResult
}): string {
  return [
    input.sign ? signSection('Signature', input.sign) : '',
    input.attest ? signSection('Vulnerability attestation', input.attest) : '',
    input.verify ? verifySection(input.verify) : ''
  ]
    .filter((part) => part !== '')
    .join('\n\n')
}
