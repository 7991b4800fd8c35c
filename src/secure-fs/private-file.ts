// Files only this user may read (keys, Docker configs with credentials), one owner: mode 0600, set
// again after the write because writeFileSync's mode applies only when it creates the file.
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { privateTempDir } from './private-dir.js'

/** Writes `contents` to `file`, readable by this user only, and returns `file`. */
export function writePrivateFileAt(file: string, contents: string | Uint8Array): string {
  writeFileSync(file, contents, { mode: 0o600 })
  chmodSync(file, 0o600)
  return file
}

/** Writes `contents` to `name` in the run's private directory, readable by this user only. */
export function writePrivateFile(name: string, contents: string): string {
  return writePrivateFileAt(join(privateTempDir(), name), contents)
}
