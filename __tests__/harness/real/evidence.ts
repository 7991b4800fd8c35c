// What the real cosign finds in the registry, checked by the tests themselves (never by the action
// under test): signatures and attestations on one digest, verified offline with a public key and
// without the transparency log, as the runs of the real tier sign (`tlog-upload: false`).
//
//   generateKeyPair(world, password)            { privateKey, publicKeyFile } from cosign generate-key-pair
//   refOf(world, image, platform?)              `repo@sha256:…` of the index (or single image), or of one platform
//   verifySignature(world, ref, publicKeyFile)  the real `cosign verify`
//   verifyAttestation(world, ref, publicKeyFile, type)  the real `verify-attestation --type`, and its statements
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ProcessResult } from '../runner.js'
import type { RealImage, RealWorld } from './world.js'

export interface KeyPair {
  privateKey: string
  publicKeyFile: string
}

/** A key pair made by the real `cosign generate-key-pair`. */
export async function generateKeyPair(world: RealWorld, password: string): Promise<KeyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'imgsec-real-keys-'))
  const result = await world.cosign(['generate-key-pair'], {
    cwd: dir,
    env: { COSIGN_PASSWORD: password }
  })
  if (result.exitCode !== 0) throw new Error(`cosign generate-key-pair: ${result.stderr}`)
  return {
    privateKey: readFileSync(join(dir, 'cosign.key'), 'utf8'),
    publicKeyFile: join(dir, 'cosign.pub')
  }
}

/** The pinned reference of the image (its index, for a multi-platform one) or of one platform image. */
export function refOf(world: RealWorld, image: RealImage, platform?: string): string {
  const digest = platform ? image.pushed.platformDigests[platform] : image.pushed.digest
  if (!digest) throw new Error(`${image.ref} has no platform ${platform}`)
  return `${world.registry.host}/${image.repository}@${digest}`
}

export function verifySignature(
  world: RealWorld,
  ref: string,
  publicKeyFile: string
): Promise<ProcessResult> {
  return world.cosign([
    'verify',
    '--key',
    publicKeyFile,
    '--insecure-ignore-tlog',
    '-o',
    'json',
    ref
  ])
}

/** An in-toto statement as cosign verify-attestation prints it (one DSSE envelope per line). */
export interface Statement {
  predicateType: string
  subject: Array<{ digest: { sha256: string } }>
  predicate: unknown
}

export async function verifyAttestation(
  world: RealWorld,
  ref: string,
  publicKeyFile: string,
  type: 'vuln' | 'cyclonedx'
): Promise<ProcessResult & { statements: Statement[] }> {
  const result = await world.cosign([
    'verify-attestation',
    '--type',
    type,
    '--key',
    publicKeyFile,
    '--insecure-ignore-tlog',
    ref
  ])
  const statements =
    result.exitCode === 0
      ? result.stdout
          .split('\n')
          .filter((line) => line.trim().startsWith('{'))
          .map((line) => {
            const envelope = JSON.parse(line) as { payload: string }
            return JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as Statement
          })
      : []
  return { ...result, statements }
}
