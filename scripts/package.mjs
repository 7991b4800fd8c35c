// Bundles the two entry points with ncc into dist/ (one bundle per entry, as actions/setup-go does)
// and marks dist/ as ESM. Deterministic: the same sources always give the same bytes, which is
// what the dist check in CI compares.
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'

const ncc = ['node_modules/@vercel/ncc/dist/ncc/cli.js', 'build', '--license', 'licenses.txt', '--quiet']
rmSync('dist', { recursive: true, force: true })
execFileSync(process.execPath, [...ncc, 'src/index.ts', '-o', 'dist'], { stdio: 'inherit' })
execFileSync(process.execPath, [...ncc, 'src/post.ts', '-o', 'dist/post'], { stdio: 'inherit' })
mkdirSync('dist', { recursive: true })
writeFileSync('dist/package.json', JSON.stringify({ type: 'module' }, null, 2) + '\n')
