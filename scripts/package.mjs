// Builds dist/: tsc compiles src/ to ESM JavaScript in .tmp/build, then ncc bundles each entry point
// (one bundle per entry, as actions/setup-go does) and dist/package.json marks the bundles as ESM.
// ncc is given JavaScript rather than TypeScript because on .ts input it resolves the ESM-only
// @actions/* packages with `require` conditions and fails. Deterministic: the same sources give the
// same bytes, which is what the dist check in CI compares.
import { execFileSync } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'

const build = '.tmp/build'
const run = (args) => execFileSync(process.execPath, args, { stdio: 'inherit' })
const ncc = [
  'node_modules/@vercel/ncc/dist/ncc/cli.js',
  'build',
  '--license',
  'licenses.txt',
  '--quiet'
]

rmSync(build, { recursive: true, force: true })
rmSync('dist', { recursive: true, force: true })
run(['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'])
run([...ncc, `${build}/index.js`, '-o', 'dist'])
run([...ncc, `${build}/post.js`, '-o', 'dist/post'])
writeFileSync('dist/package.json', JSON.stringify({ type: 'module' }, null, 2) + '\n')
rmSync(build, { recursive: true, force: true })
