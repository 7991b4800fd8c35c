// Where the harness finds the repository and its test data (__tests__/fixtures: trivy reports, the
// SARIF schema), wherever the checkout is and whether the harness runs from its TypeScript sources
// (jest) or compiled (the demo and the benchmark build it into .tmp/). Nothing outside the
// repository is read, so a GitHub runner with only the checkout runs the same tests.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

function findRepoRoot(start: string): string {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'action.yml')) && existsSync(join(dir, 'package.json'))) return dir
  }
  throw new Error(`no action.yml above ${start}: the harness must run inside the repository`)
}

export const REPO_ROOT = findRepoRoot(dirname(fileURLToPath(import.meta.url)))
export const FIXTURES_DIR = join(REPO_ROOT, '__tests__', 'fixtures')
export const TRIVY_FIXTURES_DIR = join(FIXTURES_DIR, 'trivy')
export const SARIF_SCHEMA_FILE = join(FIXTURES_DIR, 'schemas', 'sarif-schema-2.1.0.json')
export const STANDIN_DIR = join(REPO_ROOT, '__tests__', 'harness', 'standins')
