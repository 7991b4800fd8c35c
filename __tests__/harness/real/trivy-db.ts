// trivy's vulnerability database for the real-tools tier, written offline from this project's own
// advisories (trivy-db/advisories.json) by this project's own Go program (trivy-db/main.go, bbolt),
// and pushed to a loopback registry as the OCI artifact trivy downloads (pins.md, "Running the real
// tools offline"). The action then runs with `trivy-db-repository: <host>/<repo>:2`, so trivy's real
// download, cache and skip paths run, not a pre-placed file.
//
//   readAdvisories()                       the advisories, as the tests compute expected findings
//   buildTrivyDb()                         { dir, tarball }: trivy.db, metadata.json, db.tar.gz
//   pushTrivyDb(registry, repository)      `<host>/<repository>:2`, for trivy-db-repository
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT } from '../paths.js'
import type { TestRegistry } from '../registry.js'
import { pushArtifact } from './oci-push.js'

export const TRIVY_DB_SOURCE = join(REPO_ROOT, '__tests__', 'harness', 'trivy-db')
export const ADVISORIES_FILE = join(TRIVY_DB_SOURCE, 'advisories.json')

export type AdvisorySeverity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'UNKNOWN'

export interface Advisory {
  id: string
  /** The apk origin (`o:`) the advisory is filed under. */
  source: string
  /** Empty: no fix yet, every installed version is affected. */
  fixed: string
  severity: AdvisorySeverity
  score?: number
  title: string
}

export interface Advisories {
  /** Alpine major.minor the advisories are for (the bucket `alpine <release>`). */
  release: string
  advisories: Advisory[]
}

export function readAdvisories(): Advisories {
  return JSON.parse(readFileSync(ADVISORIES_FILE, 'utf8')) as Advisories
}

/** The Go program, built once per version of its sources into .tmp/ (gitignored). */
function trivyDbProgram(): string {
  const hash = createHash('sha256')
  for (const name of readdirSync(TRIVY_DB_SOURCE).sort()) {
    if (/\.(go|mod|sum)$/.test(name))
      hash.update(name).update(readFileSync(join(TRIVY_DB_SOURCE, name)))
  }
  const dir = join(REPO_ROOT, '.tmp', 'trivy-db', hash.digest('hex').slice(0, 16))
  const program = join(dir, 'trivy-db')
  if (existsSync(program)) return program
  mkdirSync(dir, { recursive: true })
  // Test files run in parallel: each builds under its own name, and the rename is atomic.
  const partial = `${program}.${process.pid}.partial`
  try {
    // Needs the Go module proxy only on the first build (go.etcd.io/bbolt), then the module cache.
    execFileSync('go', ['build', '-o', partial, '.'], {
      cwd: TRIVY_DB_SOURCE,
      env: { ...process.env, CGO_ENABLED: '0' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '')
    throw new Error(
      `building the offline trivy DB writer (${TRIVY_DB_SOURCE}) failed:\n${stderr}`,
      {
        cause: error
      }
    )
  }
  renameSync(partial, program)
  return program
}

export interface TrivyDb {
  dir: string
  /** db.tar.gz: trivy.db and metadata.json at its top. */
  tarball: string
}

/** Writes a fresh DB (UpdatedAt now, so `db-max-age` accepts it) into a new temporary folder. */
export function buildTrivyDb(updatedAt: Date = new Date()): TrivyDb {
  const dir = mkdtempSync(join(tmpdir(), 'imgsec-trivy-db-'))
  const now = updatedAt.toISOString().replace(/\.\d+Z$/, 'Z')
  execFileSync(trivyDbProgram(), ['-advisories', ADVISORIES_FILE, '-out', dir, '-now', now], {
    stdio: ['ignore', 'pipe', 'pipe']
  })
  return { dir, tarball: join(dir, 'db.tar.gz') }
}

export const DB_LAYER_MEDIA_TYPE = 'application/vnd.aquasec.trivy.db.layer.v1.tar+gzip'
export const DB_CONFIG_MEDIA_TYPE = 'application/vnd.aquasec.trivy.config.v1+json'

/** Pushes the DB as trivy's OCI artifact at `<repository>:2`; returns the reference for trivy. */
export async function pushTrivyDb(
  registry: TestRegistry,
  repository: string,
  db: TrivyDb = buildTrivyDb()
): Promise<string> {
  await pushArtifact(registry, repository, '2', {
    config: { mediaType: DB_CONFIG_MEDIA_TYPE, bytes: Buffer.from('{}') },
    layers: [
      {
        mediaType: DB_LAYER_MEDIA_TYPE,
        bytes: readFileSync(db.tarball),
        annotations: { 'org.opencontainers.image.title': 'db.tar.gz' }
      }
    ]
  })
  return `${registry.host}/${repository}:2`
}
