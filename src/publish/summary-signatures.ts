// The signature, attestation and verification part of the job summary: who signed (key
// fingerprint or certificate identity and issuer), where each signature lives, the
// transparency-log entry, and what verification checked, per image digest. A single image keeps
// the compact two-column form; several digests (an index and its platform images) get one row each,
// labelled with the platform or `index`.
import type {
  ImageTarget,
  ImageVerification,
  SignedImage,
  SignResult,
  SignerInfo,
  TlogEntry,
  VerifyResult,
  VerificationCheck
} from '../types.js'
import { code, escapeInline, link, table } from './markdown.js'
import { shortDigest } from './platform-findings.js'

export interface SignaturesInput {
  sign?: SignResult
  attest?: SignResult
  verify?: VerifyResult
  /** Why the index itself was not signed (a subset of its platforms was scanned). */
  indexNotSigned?: string
  /** A multi-platform image: every row names its platform, even when there is one. */
  multiPlatform?: boolean
}

/** The platform, `index` or `image`: how every report names a target (as targetLabel does). */
export function labelOf(target: ImageTarget): string {
  return target.platform ?? (target.index ? 'index' : 'image')
}

function signerCell(signer: SignerInfo): string {
  return signer.kind === 'key'
    ? `key ${code(signer.fingerprint)} from ${escapeInline(signer.keySource, 200)}`
    : `${code(signer.identity)}<br>issuer ${code(signer.issuer)}`
}

function tlogCell(entry: TlogEntry | undefined): string {
  if (!entry) return 'no entry (transparency-log upload was off)'
  return link(`entry ${entry.logIndex}`, entry.url)
}

function digestCell(target: ImageTarget): string {
  return target.digest ? code(shortDigest(target.digest)) : '—'
}

const ATTESTATION_HEADINGS = { vuln: 'Vulnerability attestation', sbom: 'SBOM attestation' }

function compactSign(heading: string, signer: SignerInfo, image: SignedImage): string {
  return `### ${heading}\n\n${table(
    ['', ''],
    [
      ['Signed by', signerCell(signer)],
      ['Stored at', code(image.signatureRef)],
      ['Transparency log', tlogCell(image.tlogEntry)]
    ]
  )}`
}

function signSection(kind: 'sign' | 'attest', result: SignResult, multi: boolean): string {
  const [only, ...others] = result.images
  if (!only) return ''
  if (!multi && others.length === 0) {
    const heading = kind === 'sign' ? 'Signature' : ATTESTATION_HEADINGS[only.type ?? 'vuln']
    return compactSign(heading, result.signer, only)
  }
  const typed = kind === 'attest'
  const header = ['Image', ...(typed ? ['Type'] : []), 'Digest', 'Stored at', 'Transparency log']
  const rows = result.images.map((image) => [
    escapeInline(labelOf(image.target), 100),
    ...(typed ? [image.type ?? 'vuln'] : []),
    digestCell(image.target),
    code(image.signatureRef),
    tlogCell(image.tlogEntry)
  ])
  const heading = kind === 'sign' ? 'Signatures' : 'Attestations'
  return `### ${heading}\n\n${typed ? 'Attested' : 'Signed'} by ${signerCell(result.signer)}\n\n${table(header, rows)}`
}

/** `✅ signature: by key SHA256:… on sha256:…`: one check and its result. */
function checkText(check: VerificationCheck, max: number): string {
  return `${check.passed ? '✅' : '❌'} ${escapeInline(`${check.check}: ${check.detail}`, max)}`
}

function checksList(checks: readonly VerificationCheck[]): string {
  return checks.map((c) => `- ${checkText(c, 500)}`).join('\n')
}

function compactVerify(verify: VerifyResult, image: ImageVerification | undefined): string {
  const rows: string[][] = []
  if (verify.signer) rows.push(['Signer', signerCell(verify.signer)])
  if (image?.tlogEntry) rows.push(['Transparency log', tlogCell(image.tlogEntry)])
  if (image?.failure) rows.push(['Failure', escapeInline(image.failure, 1000)])
  const heading = verify.verified ? '### ✅ Signature verified' : '### ❌ Signature not verified'
  const checks = checksList(image?.checks ?? [])
  return [heading, rows.length ? table(['', ''], rows) : '', checks ? `Checked:\n\n${checks}` : '']
    .filter((part) => part !== '')
    .join('\n\n')
}

function verifySection(verify: VerifyResult, multi: boolean): string {
  const images = verify.images
  if (!multi && images.length <= 1) return compactVerify(verify, images[0])
  const failed = images.filter((image) => !image.verified)
  const failedNames = failed.map((i) => labelOf(i.target)).join(', ') || 'the image'
  const heading = verify.verified
    ? `### ✅ Signatures verified (${images.length} images)`
    : `### ❌ Verification failed on ${escapeInline(failedNames, 300)} ` +
      `(${images.length - failed.length} of ${images.length} images verified)`
  const signer = verify.signer ? `Signer: ${signerCell(verify.signer)}` : ''
  const rows = images.map((image) => [
    escapeInline(labelOf(image.target), 100),
    digestCell(image.target),
    image.verified ? '✅ verified' : `❌ ${escapeInline(image.failure ?? 'not verified', 500)}`,
    image.tlogEntry ? tlogCell(image.tlogEntry) : '—',
    image.checks.map((c) => checkText(c, 300)).join('<br>') || '—'
  ])
  const checks = table(['Image', 'Digest', 'Result', 'Transparency log', 'Checked'], rows)
  return [heading, signer, checks].filter((part) => part !== '').join('\n\n')
}

/** The sentence of indexNotSigned, as a note where the index's signature would be. */
function indexNote(sentence: string): string {
  const text = sentence.charAt(0).toUpperCase() + sentence.slice(1)
  return `> ${escapeInline(text.endsWith('.') ? text : `${text}.`, 500)}`
}

export function renderSignatures(input: SignaturesInput): string {
  const multi = input.multiPlatform === true
  return [
    input.sign ? signSection('sign', input.sign, multi) : '',
    input.sign && input.indexNotSigned ? indexNote(input.indexNotSigned) : '',
    input.attest ? signSection('attest', input.attest, multi) : '',
    input.verify ? verifySection(input.verify, multi) : ''
  ]
    .filter((part) => part !== '')
    .join('\n\n')
}
