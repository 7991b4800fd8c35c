// Entry point of the main step: run the pipeline, and turn any failure into one clear message.
// run() decides the outcome itself; what still escapes it (a runner file that cannot be written, a
// bug of ours) must read as one error line, not as Node's stack trace of an unhandled rejection.
import * as core from '@actions/core'
import { describeError } from './errors.js'
import { run } from './main.js'

try {
  await run()
} catch (error) {
  core.setFailed(`imgsec-action stopped unexpectedly: ${describeError(error)}`)
}
