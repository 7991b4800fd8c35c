// Keys as cosign receives them: PEM contents become a private file, paths and URIs pass as they
// are, and a public key's fingerprint is the one ssh-keygen would show.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fingerprintOfFile, keyRef, publicKeyFingerprint } from '../../../src/cosign/keys.js'
import { removePrivateTempDir } from '../../../src/secure-fs/private-dir.js'

let runnerTemp: string
beforeEach(() => {
  runnerTemp = mkdtempSync(join(tmpdir(), 'imgsec-keys-'))
  process.env['RUNNER_TEMP'] = runnerTemp
})
afterEach(() => {
  removePrivateTempDir()
  delete process.env['RUNNER_TEMP']
  rmSync(runnerTemp, { recursive: true, force: true })
})

const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const PUBLIC_PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString()

describe('keyRef', () => {
  it('writes PEM contents (CRLF and indentation normalised) to a 0600 file', () => {
    const ref = keyRef({ kind: 'pem', pem: `  ${PUBLIC_PEM.replace(/\n/g, '\r\n')}  ` }, 'k.pub')
    expect(ref.source).toBe('PEM contents of the input')
    expect(readFileSync(ref.ref, 'utf8')).toBe(PUBLIC_PEM)
    expect(statSync(ref.ref).mode & 0o777).toBe(0o600)
  })

  it('hands a path and a key URI to cosign as they are', () => {
    const path = join(runnerTemp, 'cosign.pub')
    writeFileSync(path, PUBLIC_PEM)
    expect(keyRef({ kind: 'path', path }, 'unused')).toEqual({ ref: path, source: path })
    expect(keyRef({ kind: 'uri', uri: 'awskms:///alias/release' }, 'unused')).toEqual({
      ref: 'awskms:///alias/release',
      source: 'awskms:///alias/release'
    })
  })

  it('says which key file is missing', () => {
    expect(() => keyRef({ kind: 'path', path: join(runnerTemp, 'nope.key') }, 'x')).toThrow(
      /nope\.key does not exist/
    )
  })
})

describe('fingerprints', () => {
  it('is SHA256 of the SPKI DER, base64 without padding', () => {
    const fingerprint = publicKeyFingerprint(PUBLIC_PEM)
    expect(fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
    const path = join(runnerTemp, 'cosign.pub')
    writeFileSync(path, PUBLIC_PEM)
    expect(fingerprintOfFile(path)).toBe(fingerprint)
  })

  it('is undefined for a file that is not a public key', () => {
    const path = join(runnerTemp, 'cert.txt')
    writeFileSync(path, 'not a key')
    expect(fingerprintOfFile(path)).toBeUndefined()
  })
})
