// cosign keys as the inputs give them: PEM contents go to a 0600 file in the run's private temporary
// directory (removed at the end and by the post entry), paths and key URIs are handed to cosign as
// they are. Secrets are registered with the runner line by line, because it masks line by line.
import { createHash, createPublicKey } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import type { KeyInput } from '../types.js'
import { writePrivateFile } from '../secure-fs/private-file.js'
import { registerSecret } from '../secure-fs/secrets.js'

export interface KeyRef {
  /** What cosign's `--key` gets: a file path or a key URI. */
  ref: string
  /** Where the key came from, for the log and summary (never its contents). */
  source: string
}

/** Masks the signing key (its lines, or the variable an `env://` URI names) and its password. */
export function registerKeySecrets(key?: KeyInput, password?: string): void {
  registerSecret(password)
  if (key?.kind === 'pem') registerSecret(key.pem)
  if (key?.kind === 'uri' && key.uri.startsWith('env://')) {
    registerSecret(process.env[key.uri.slice('env://'.length)])
  }
}

function pemText(pem: string): string {
  const text = pem.replace(/\r\n/g, '\n').trim()
  return `${text}\n`
}

/**
 * The `--key` argument for a key input; `fileName` names the file PEM contents are written to.
 * `secret` is false for public keys, which need no masking.
 */
export function keyRef(key: KeyInput, fileName: string, secret = true): KeyRef {
  switch (key.kind) {
    case 'pem':
      if (secret) registerSecret(key.pem)
      return {
        ref: writePrivateFile(fileName, pemText(key.pem)),
        source: 'PEM contents of the input'
      }
    case 'path':
      if (!existsSync(key.path)) throw new Error(`The key file ${key.path} does not exist`)
      return { ref: key.path, source: key.path }
    case 'uri':
      return { ref: key.uri, source: key.uri }
  }
}

/** `SHA256:<base64>` (unpadded, as ssh-keygen shows keys) of the key's SPKI DER encoding. */
export function publicKeyFingerprint(pem: string): string {
  const der = createPublicKey(pem).export({ type: 'spki', format: 'der' })
  return `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`
}

/** The fingerprint of a public key file, or undefined when it is not a PEM public key (a certificate…). */
export function fingerprintOfFile(path: string): string | undefined {
  try {
    return publicKeyFingerprint(readFileSync(path, 'utf8'))
  } catch {
    return undefined
  }
}

/**
 * The variables cosign needs to use a key reference, and only those: the one an `env://` URI names,
 * or the credentials of a KMS provider. A key file or PEM contents need none.
 */
export function keyRefEnvironment(ref: string | undefined): string[] {
  if (ref === undefined) return []
  if (ref.startsWith('env://')) return [ref.slice('env://'.length)]
  if (ref.startsWith('awskms://')) return ['AWS_']
  if (ref.startsWith('gcpkms://')) return ['GOOGLE_', 'GCE_', 'CLOUDSDK_']
  if (ref.startsWith('azurekms://')) return ['AZURE_']
  if (ref.startsWith('hashivault://')) return ['VAULT_']
  if (ref.startsWith('k8s://')) return ['KUBECONFIG', 'KUBERNETES_']
  return []
}
