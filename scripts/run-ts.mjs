// Runs a TypeScript script of this repository (the demo, the benchmark) outside jest: tsc compiles
// it with the sources and the test harness into .tmp/scripts-build, then Node runs the result.
// Usage: node scripts/run-ts.mjs <script.ts> [args…]
import { execFileSync } from 'node:child_process'
import { pathToFileURL } from 'node:url'
import { resolve } from 'node:path'

const [script, ...args] = process.argv.slice(2)
if (!script?.endsWith('.ts')) {
  console.error('usage: node scripts/run-ts.mjs <script.ts> [args…]')
  process.exit(2)
}
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.scripts.json'], {
  stdio: 'inherit'
})
process.argv = [process.argv[0], script, ...args]
await import(pathToFileURL(resolve('.tmp/scripts-build', script.replace(/\.ts$/, '.js'))).href)
