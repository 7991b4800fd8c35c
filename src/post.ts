// The `post` entry: removes the private temporary directory (key files, registry credentials)
// even when the main step failed or was cancelled before its own cleanup ran.
import * as core from '@actions/core'
import { describeError } from './errors.js'
import { removePrivateTempDir } from './secure-fs/private-dir.js'

try {
  removePrivateTempDir()
} catch (error) {
  // Cleanup must not fail the job, but a key left on disk must not go unnoticed either.
  core.warning(
    `imgsec-action could not remove its private temporary files: ${describeError(error)}`
  )
}
