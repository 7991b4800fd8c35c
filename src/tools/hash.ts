// SHA-256 of files, streamed: release assets are 50-100 MB and are never read whole just to hash.
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  await pipeline(createReadStream(file), hash)
  return hash.digest('hex')
}

/**
 * Copies `from` to `to` and returns the SHA-256 of the bytes written, in one pass. The copy is the
 * file that gets checked and used: whatever happens to `from` afterwards does not matter.
 */
export async function copyHashed(from: string, to: string): Promise<string> {
  const hash = createHash('sha256')
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk)
      done(null, chunk)
    }
  })
  await pipeline(createReadStream(from), tap, createWriteStream(to, { flags: 'wx', mode: 0o600 }))
  return hash.digest('hex')
}
