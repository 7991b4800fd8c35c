// The security helpers' one owner each: masking reaches every line of a multi-line secret, and
// private files are this user's only, also when the file was there before with a looser mode.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { registerSecret, secretLines } from '../../../src/secure-fs/secrets.js'
import { writePrivateFile, writePrivateFileAt } from '../../../src/secure-fs/private-file.js'
import { privateTempDir, removePrivateTempDir } from '../../../src/secure-fs/private-dir.js'

const PEM = [
  '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----',
  'eyJrZGYiOnsibmFtZSI6InNjcnlwdCIsInBhcmFtcyI6eyJOIjo2NTUzNiwi',
  'cj0iOjgsInAiOjF9LCJzYWx0IjoiYWJjIn0sImNpcGhlciI6eyJuYW1lIjoi',
  'YQ==',
  '-----END ENCRYPTED SIGSTORE PRIVATE KEY-----'
].join('\n')

function masked(run: () => void): string[] {
  const written: string[] = []
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((chunk: string | Uint8Array) => {
    written.push(String(chunk))
    return true
  }) as typeof process.stdout.write
  try {
    run()
  } finally {
    process.stdout.write = write
  }
  return written
    .join('')
    .split(/\r?\n/)
    .filter((line) => line.startsWith('::add-mask::'))
    .map((line) => line.slice('::add-mask::'.length))
}

describe('secret masking', () => {
  it('masks each line of a PEM key that carries key material, not its armour or short tail', () => {
    expect(secretLines(PEM)).toEqual([
      'eyJrZGYiOnsibmFtZSI6InNjcnlwdCIsInBhcmFtcyI6eyJOIjo2NTUzNiwi',
      'cj0iOjgsInAiOjF9LCJzYWx0IjoiYWJjIn0sImNpcGhlciI6eyJuYW1lIjoi'
    ])
    const lines = masked(() => registerSecret(PEM))
    for (const line of secretLines(PEM)) expect(lines).toContain(line)
  })

  it('masks a one-line secret whole and ignores an empty one', () => {
    expect(masked(() => registerSecret('hunter2-password'))).toEqual(['hunter2-password'])
    expect(masked(() => registerSecret(''))).toEqual([])
    expect(masked(() => registerSecret(undefined))).toEqual([])
  })
})

describe('private files', () => {
  let runnerTemp: string
  beforeEach(() => {
    runnerTemp = mkdtempSync(join(tmpdir(), 'imgsec-secure-fs-'))
    process.env['RUNNER_TEMP'] = runnerTemp
  })
  afterEach(() => {
    removePrivateTempDir()
    delete process.env['RUNNER_TEMP']
    rmSync(runnerTemp, { recursive: true, force: true })
  })

  it('writes into a 0700 folder under RUNNER_TEMP, mode 0600', () => {
    const file = writePrivateFile('cosign.key', 'secret')
    expect(file.startsWith(runnerTemp)).toBe(true)
    expect(statSync(privateTempDir()).mode & 0o777).toBe(0o700)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(readFileSync(file, 'utf8')).toBe('secret')
  })

  it('tightens a file that existed with a looser mode', () => {
    const file = join(runnerTemp, 'config.json')
    writeFileSync(file, 'old', { mode: 0o644 })
    writePrivateFileAt(file, 'new')
    expect(statSync(file).mode & 0o777).toBe(0o600)
  })
})
