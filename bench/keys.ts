// A signing key pair made by the stand-in cosign (its own key format), for keyed signing runs.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { STANDIN_DIR } from '../__tests__/harness/paths.js'

export interface KeyPair {
  privateKey: string
  publicKey: string
  password: string
}

export function generateKeyPair(password = 'bench password'): KeyPair {
  const dir = mkdtempSync(join(tmpdir(), 'imgsec-bench-keys-'))
  try {
    execFileSync(process.execPath, [join(STANDIN_DIR, 'cosign.mjs'), 'generate-key-pair'], {
      cwd: dir,
      env: { ...process.env, COSIGN_PASSWORD: password, IMGSEC_STANDIN_LOG: '' },
      stdio: 'ignore'
    })
    return {
      privateKey: readFileSync(join(dir, 'cosign.key'), 'utf8'),
      publicKey: readFileSync(join(dir, 'cosign.pub'), 'utf8'),
      password
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
