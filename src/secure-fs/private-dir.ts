// One private temporary directory per run (mode 0700 under RUNNER_TEMP) for anything secret we must
// write to disk: key files, a Docker config with registry credentials. Its path is saved in the
// action's state so that the `post` entry removes it even when the main step failed or was killed.
import * as core from '@actions/core'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const STATE_KEY = 'private-temp-dir'
let current: string | undefined

/** The run's private directory, created on first use. */
export function privateTempDir(): string {
  if (current === undefined) {
    const base = process.env['RUNNER_TEMP'] || tmpdir()
    current = mkdtempSync(join(base, 'imgsec-private-'))
    core.saveState(STATE_KEY, current)
  }
  return current
}

/** Removes the private directory of this run (from main) or of the main step (from post). */
export function removePrivateTempDir(): void {
  const dir = current ?? core.getState(STATE_KEY)
  if (dir) rmSync(dir, { recursive: true, force: true })
  current = undefined
}
