// Entry point of the main step: run the pipeline, and turn any failure into one clear message.
import { run } from './main.js'

await run()
