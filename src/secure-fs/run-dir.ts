// The run's working directory for files that are not secret but must outlive the step (the trivy
// report is an output other steps read): RUNNER_TEMP/imgsec, emptied by the runner after the job.
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export function workDir(): string {
  const dir = join(process.env['RUNNER_TEMP'] || tmpdir(), 'imgsec')
  mkdirSync(dir, { recursive: true })
  return dir
}
