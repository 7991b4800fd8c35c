// A Sigstore of the tests' own: a certificate authority with its CT log, a transparency log, and the
// trusted_root.json that names them, all from @sigstore/mock with keys generated here. It signs
// stand-in release assets the way trivy's and cosign's release workflows sign theirs (a keyless
// `cosign sign-blob --bundle`: a message signature, a Fulcio-style certificate for the signer's
// identity, a hashedrekord entry with its promise and inclusion proof), so that the action's bundle
// verification runs for real, offline, under a root nobody else trusts.
//
//   const sigstore = await startTestSigstore()
//   sigstore.trustedRoot                        trusted_root.json text (for `sigstore-trusted-root`)
//   await sigstore.sign(bytes, { identity, issuer })   `<asset>.sigstore.json` text
import { initializeCA, initializeCTLog, initializeTLog } from '@sigstore/mock'
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'

export interface TestSigner {
  identity: string
  issuer: string
}

export interface TestSigstore {
  trustedRoot: string
  sign(artifact: Buffer, signer: TestSigner): Promise<string>
}

const LONG_AGO = '2020-01-01T00:00:00Z'
const ISSUER_V1_OID = '1.3.6.1.4.1.57264.1.1'
const ISSUER_V2_OID = '1.3.6.1.4.1.57264.1.8'

function keyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' })
}

const b64 = (bytes: ArrayBufferView): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')

export async function startTestSigstore(): Promise<TestSigstore> {
  const ctLog = await initializeCTLog(keyPair())
  const ca = await initializeCA(keyPair(), ctLog)
  const tlogKeys = keyPair()
  const tlog = await initializeTLog('https://rekor.imgsec.test', tlogKeys)
  const trustedRoot = JSON.stringify({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: 'https://rekor.imgsec.test',
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: b64(tlog.publicKey),
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
          validFor: { start: LONG_AGO }
        },
        logId: { keyId: b64(createHash('sha256').update(tlog.publicKey).digest()) }
      }
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: 'https://fulcio.imgsec.test',
        certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] },
        validFor: { start: LONG_AGO }
      }
    ],
    ctlogs: [
      {
        baseUrl: 'https://ctfe.imgsec.test',
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: b64(ctLog.publicKey),
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
          validFor: { start: LONG_AGO }
        },
        logId: { keyId: b64(ctLog.logID) }
      }
    ],
    timestampAuthorities: []
  })

  return {
    trustedRoot,
    async sign(artifact, signer) {
      const ephemeral = keyPair()
      const certificate = await ca.issueCertificate({
        publicKey: ephemeral.publicKey.export({ format: 'der', type: 'spki' }),
        subjectAltName: signer.identity,
        extensions: [
          { oid: ISSUER_V1_OID, value: signer.issuer, legacy: true },
          { oid: ISSUER_V2_OID, value: signer.issuer }
        ]
      })
      const digest = createHash('sha256').update(artifact).digest()
      const signature = sign('sha256', artifact, ephemeral.privateKey)
      const pem = `-----BEGIN CERTIFICATE-----\n${b64(certificate)}\n-----END CERTIFICATE-----\n`
      const logged = await tlog.log({
        apiVersion: '0.0.1',
        kind: 'hashedrekord',
        spec: {
          data: { hash: { algorithm: 'sha256', value: digest.toString('hex') } },
          signature: { content: b64(signature), publicKey: { content: b64(Buffer.from(pem)) } }
        }
      })
      const entry = Object.values(logged)[0] as {
        body: string
        integratedTime: number
        logID: string
        logIndex: number
        verification: {
          signedEntryTimestamp: string
          inclusionProof: {
            logIndex: number
            treeSize: number
            rootHash: string
            checkpoint: string
          }
        }
      }
      const proof = entry.verification.inclusionProof
      return JSON.stringify({
        mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
        verificationMaterial: {
          certificate: { rawBytes: b64(certificate) },
          tlogEntries: [
            {
              logIndex: String(entry.logIndex),
              logId: { keyId: b64(Buffer.from(entry.logID, 'hex')) },
              kindVersion: { kind: 'hashedrekord', version: '0.0.1' },
              integratedTime: String(entry.integratedTime),
              inclusionPromise: { signedEntryTimestamp: entry.verification.signedEntryTimestamp },
              inclusionProof: {
                logIndex: String(proof.logIndex),
                rootHash: b64(Buffer.from(proof.rootHash, 'hex')),
                treeSize: String(proof.treeSize),
                hashes: [],
                checkpoint: { envelope: proof.checkpoint }
              },
              canonicalizedBody: entry.body
            }
          ]
        },
        messageSignature: {
          messageDigest: { algorithm: 'SHA2_256', digest: b64(digest) },
          signature: b64(signature)
        }
      })
    }
  }
}
