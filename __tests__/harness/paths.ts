// Where the tests find the repository and the shared material beside it (../shared next to the
// checkout, as in CI), wherever the checkout is.
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const SHARED_DIR = process.env['IMGSEC_SHARED_DIR'] ?? join(REPO_ROOT, '..', 'shared')
export const TRIVY_FIXTURES_DIR = join(SHARED_DIR, 'fixtures', 'trivy')
export const SARIF_SCHEMA_FILE = join(SHARED_DIR, 'schemas', 'sarif-schema-2.1.0.json')
