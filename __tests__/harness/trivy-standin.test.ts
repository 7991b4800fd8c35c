// The stand-in trivy behaves like the real CLI where the action depends on it: flags, registry
// lookups, the DB and its fallback on rate limits, filters, report files and exit codes.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import AjvDraft04 from 'ajv-draft-04'
import ajvFormats from 'ajv-formats'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { SARIF_SCHEMA_FILE } from './paths.js'
import { FIXTURES, runStandin, useFakeRegistries } from './trivy-standin-run.js'

interface Report {
  ArtifactName: string
  Metadata: { RepoDigests: string[]; ImageID?: string }
  Results: Array<{
    Target: string
    Class: string
    Packages?: unknown[]
    Vulnerabilities?: Array<{ VulnerabilityID: string; Severity: string }>
  }>
}

let work: string

/** A `docker save` archive as trivy opens it: a tar with manifest.json, config and layers. */
function dockerArchive(file: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'docker-archive-'))
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify([{ Config: 'config.json', RepoTags: ['app:1.0'], Layers: [] }])
  )
  writeFileSync(
    join(dir, 'config.json'),
    '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
  )
  execFileSync('tar', ['-cf', file, '-C', dir, 'manifest.json', 'config.json'])
  rmSync(dir, { recursive: true, force: true })
}

const AUTH = { username: 'ci-bot', password: 'p4ss:word' }
const registries = useFakeRegistries(AUTH)

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'trivy-standin-'))
  dockerArchive(join(work, 'image.tar'))
})
afterEach(() => rmSync(work, { recursive: true, force: true }))

const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  TRIVY_CACHE_DIR: join(work, 'cache'),
  STANDIN_TRIVY_REPORT: join(FIXTURES, 'alpine-310.json'),
  ...extra
})
const readReport = (file = join(work, 'r.json')): Report =>
  JSON.parse(readFileSync(file, 'utf8')) as Report
const vulnIds = (report: Report): string[] =>
  report.Results.flatMap((r) => (r.Vulnerabilities ?? []).map((v) => v.VulnerabilityID))
const downloads = (): string[] => {
  const file = join(work, 'cache', 'db', 'standin-downloads.log')
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []
}
const scanTar = (args: string[], extra: Record<string, string> = {}) =>
  runStandin(
    [
      'image',
      '--input',
      join(work, 'image.tar'),
      '-f',
      'json',
      '-o',
      join(work, 'r.json'),
      ...args
    ],
    env(extra)
  )

describe('command line', () => {
  it('prints its version', async () => {
    const run = await runStandin(['--version'])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^Version: 0\.0\.0-standin$/m)
  })

  it.each([['--xyz'], ['--xyz=1'], ['-Z']])(
    'rejects the unknown flag %s with exit 1',
    async (flag) => {
      const run = await scanTar([flag])
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(/unknown (shorthand )?flag/)
      expect(existsSync(join(work, 'r.json'))).toBe(false)
    }
  )

  it('parses bool flags as pflag does: a separate "false" is a second target', async () => {
    const run = await runStandin(
      ['image', '--list-all-pkgs', 'false', registries.open.pinned],
      env()
    )
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('multiple targets cannot be specified')
  })

  it('logs each invocation to IMGSEC_STANDIN_LOG', async () => {
    const log = join(work, 'calls.jsonl')
    await runStandin(['--version'], { IMGSEC_STANDIN_LOG: log })
    expect(JSON.parse(readFileSync(log, 'utf8'))).toMatchObject({
      tool: 'trivy',
      argv: ['--version']
    })
  })
})

describe('image archives (--input)', () => {
  const scanFile = (file: string) =>
    runStandin(['image', '--input', file, '-f', 'json', '-o', join(work, 'r.json')], env())

  it.each([
    [
      'a text file',
      () => writeFileSync(join(work, 'x.tar'), 'not really a tarball'),
      /unexpected EOF|invalid tar header/
    ],
    [
      'a tar without manifest.json',
      () => {
        writeFileSync(join(work, 'notes.txt'), 'hello')
        execFileSync('tar', ['-cf', join(work, 'x.tar'), '-C', work, 'notes.txt'])
      },
      /file manifest\.json not found in tar/
    ],
    [
      'a gzip of something else',
      () => writeFileSync(join(work, 'x.tar'), gzipSync('{"not":"a tar"}')),
      /unexpected EOF|invalid tar header/
    ]
  ])('refuses %s as trivy does, with no report', async (_what, make, why) => {
    make()
    const run = await scanFile(join(work, 'x.tar'))
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(`unable to open ${join(work, 'x.tar')} as a Docker image`)
    expect(run.stderr).toMatch(why)
    expect(run.stderr).toContain('as an OCI Image')
    expect(existsSync(join(work, 'r.json'))).toBe(false)
  })

  it('opens a docker save archive, gzipped too, and an OCI layout directory', async () => {
    expect((await scanFile(join(work, 'image.tar'))).code).toBe(0)
    writeFileSync(join(work, 'image.tar.gz'), gzipSync(readFileSync(join(work, 'image.tar'))))
    expect((await scanFile(join(work, 'image.tar.gz'))).code).toBe(0)
    const layout = join(work, 'oci')
    mkdirSync(layout)
    writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
    writeFileSync(join(layout, 'index.json'), '{"schemaVersion":2,"manifests":[]}')
    expect((await scanFile(layout)).code).toBe(0)
    expect(existsSync(join(work, 'r.json'))).toBe(true)
  })
})

describe('registry images', () => {
  it('scans a pinned image and names it in the report', async () => {
    const out = join(work, 'r.json')
    const run = await runStandin(
      [
        'image',
        '--format=json',
        `--output=${out}`,
        '--image-src',
        'remote',
        registries.open.pinned
      ],
      env()
    )
    expect(run.code).toBe(0)
    const report = readReport()
    expect(report.ArtifactName).toBe(registries.open.pinned)
    expect(report.Metadata.RepoDigests).toEqual([registries.open.pinned])
    expect(report.Metadata.ImageID).toBe(registries.open.configDigest)
    expect(report.Results[0]?.Target).toMatch(new RegExp(`^${registries.open.pinned} \\(alpine`))
    expect(vulnIds(report)).toContain('CVE-2019-1549')
  })

  it('fails like trivy when the manifest does not exist', async () => {
    const missing = `${registries.open.host}/org/app@sha256:${'0'.repeat(64)}`
    const run = await runStandin(['image', '--image-src', 'remote', missing], env())
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(`unable to find the specified image "${missing}"`)
    expect(run.stderr).toContain('MANIFEST_UNKNOWN')
  })

  it('finds an image in the docker daemon only when the daemon has it', async () => {
    const args = ['image', '-f', 'json', '--image-src', 'docker', 'app:dev']
    const missing = await runStandin(args, env())
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('in ["docker"]')
    const present = await runStandin(args, env({ STANDIN_TRIVY_LOCAL_IMAGES: 'app:dev' }))
    expect(present.code).toBe(0)
    expect(JSON.parse(present.stdout).ArtifactName).toBe('app:dev')
  })

  it('cannot reach a non-loopback registry', async () => {
    const run = await runStandin(['image', '--image-src', 'remote', 'ghcr.io/org/app:1'], env())
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('unable to find the specified image')
  })

  it('authenticates with TRIVY_USERNAME/TRIVY_PASSWORD or the Docker config', async () => {
    const args = ['image', '-f', 'json', '--image-src', 'remote', registries.private.pinned]
    const anonymous = await runStandin(args, env())
    expect(anonymous.code).toBe(1)
    expect(anonymous.stderr).toContain('UNAUTHORIZED')
    const withEnv = await runStandin(
      args,
      env({ TRIVY_USERNAME: AUTH.username, TRIVY_PASSWORD: AUTH.password })
    )
    expect(withEnv.code).toBe(0)
    const auth = Buffer.from(`${AUTH.username}:${AUTH.password}`).toString('base64')
    writeFileSync(
      join(work, 'config.json'),
      JSON.stringify({ auths: { [registries.private.host]: { auth } } })
    )
    const withConfig = await runStandin(args, env({ DOCKER_CONFIG: work }))
    expect(withConfig.code).toBe(0)
  })
})

describe('filters', () => {
  it('drops unfixed vulnerabilities with --ignore-unfixed', async () => {
    const fixture = { STANDIN_TRIVY_REPORT: join(FIXTURES, 'centos-7.json') }
    await scanTar([], fixture)
    expect(vulnIds(readReport())).toHaveLength(3)
    await scanTar(['--ignore-unfixed'], fixture)
    const expected = JSON.parse(
      readFileSync(join(FIXTURES, 'centos-7-ignore-unfixed.json'), 'utf8')
    )
    expect(vulnIds(readReport())).toEqual(vulnIds(expected as Report))
  })

  it.each([
    ['plain', '.trivyignore', '# accepted\nCVE-2019-1549\nCVE-2019-1551 exp:2000-01-01\n'],
    [
      'YAML',
      '.trivyignore.yaml',
      'vulnerabilities:\n  - id: CVE-2019-1549\n    statement: accepted\n'
    ]
  ])('applies a %s ignore file (expired entries do not count)', async (_kind, name, text) => {
    writeFileSync(join(work, name), text)
    await scanTar(['--ignorefile', join(work, name)])
    const ids = vulnIds(readReport())
    expect(ids).not.toContain('CVE-2019-1549')
    expect(ids).toContain('CVE-2019-1551')
  })

  it('reads .trivyignore from the working directory when no ignore file is named', async () => {
    writeFileSync(join(work, '.trivyignore'), 'CVE-2019-1549\n')
    const out = join(work, 'r.json')
    const args = ['image', '--input', join(work, 'image.tar'), '-f', 'json', '-o', out]
    await runStandin(args, env(), work)
    expect(vulnIds(readReport())).not.toContain('CVE-2019-1549')
  })

  it('filters by severity and drops packages with --list-all-pkgs=false', async () => {
    const fixture = { STANDIN_TRIVY_REPORT: join(FIXTURES, 'npm.json') }
    await scanTar([], fixture)
    expect(readReport().Results[0]?.Packages?.length).toBeGreaterThan(0)
    await scanTar(['--list-all-pkgs=false', '--severity', 'CRITICAL'], fixture)
    const report = readReport()
    expect(report.Results[0]?.Packages).toBeUndefined()
    expect(
      report.Results.flatMap((r) => r.Vulnerabilities ?? []).every((v) => v.Severity === 'CRITICAL')
    ).toBe(true)
  })

  it('leaves misconfigurations out unless that scanner is on', async () => {
    const fixture = { STANDIN_TRIVY_REPORT: join(FIXTURES, 'helm.json') }
    await scanTar(['--scanners', 'vuln'], fixture)
    expect(readReport().Results).toHaveLength(0)
    await scanTar(['--scanners', 'vuln,misconfig'], fixture)
    expect(readReport().Results[0]?.Class).toBe('config')
  })

  it('returns --exit-code only when findings remain', async () => {
    expect((await scanTar(['--exit-code', '5'])).code).toBe(5)
    expect((await scanTar(['--exit-code', '5'], { STANDIN_TRIVY_REPORT: '' })).code).toBe(0)
  })
})

describe('vulnerability DB', () => {
  it('downloads the DB once and reuses it on the next run', async () => {
    const first = await scanTar([])
    expect(first.stderr).toContain('Need to update DB')
    expect(downloads()).toHaveLength(1)
    expect(downloads()[0]).toContain('mirror.gcr.io/aquasec/trivy-db:2')
    const second = await scanTar([])
    expect(second.code).toBe(0)
    expect(second.stderr).not.toContain('Need to update DB')
    expect(downloads()).toHaveLength(1)
  })

  it('falls back to the next repository when one is rate-limited', async () => {
    const run = await scanTar([], {
      STANDIN_TRIVY_RATE_LIMITED: 'mirror.gcr.io/aquasec/trivy-db:2'
    })
    expect(run.code).toBe(0)
    expect(run.stderr).toMatch(
      /Failed to download artifact\trepo="mirror.gcr.io\/aquasec\/trivy-db:2".*TOOMANYREQUESTS/
    )
    expect(downloads()[0]).toContain('ghcr.io/aquasecurity/trivy-db:2')
  })

  it('fails when every repository is rate-limited, and with --skip-db-update on a first run', async () => {
    const limited = await scanTar(['--db-repository', 'ghcr.io/aquasecurity/trivy-db'], {
      STANDIN_TRIVY_RATE_LIMITED: 'ghcr.io/aquasecurity/trivy-db:2'
    })
    expect(limited.code).toBe(1)
    expect(limited.stderr).toContain('failed to download artifact from any source')
    expect(limited.stderr).toContain('TOOMANYREQUESTS')
    expect(existsSync(join(work, 'r.json'))).toBe(false)
    const skipped = await scanTar(['--skip-db-update'])
    expect(skipped.code).toBe(1)
    expect(skipped.stderr).toContain('--skip-db-update cannot be specified on the first run')
  })
})

describe('crashes', () => {
  it.each([
    ['1', 1, 'FATAL'],
    ['panic', 2, 'panic: runtime error']
  ])('STANDIN_TRIVY_CRASH=%s exits %d without a report', async (mode, code, text) => {
    const run = await scanTar([], { STANDIN_TRIVY_CRASH: mode })
    expect(run.code).toBe(code)
    expect(run.stderr).toContain(text)
    expect(existsSync(join(work, 'r.json'))).toBe(false)
  })
})

describe('trivy convert', () => {
  it('writes the cosign vulnerability predicate around the report', async () => {
    await scanTar([])
    const out = join(work, 'vuln.json')
    const run = await runStandin([
      'convert',
      '--format',
      'cosign-vuln',
      '--output',
      out,
      join(work, 'r.json')
    ])
    expect(run.code).toBe(0)
    const predicate = JSON.parse(readFileSync(out, 'utf8'))
    expect(Object.keys(predicate)).toEqual(['invocation', 'scanner', 'metadata'])
    expect(predicate.scanner).toMatchObject({
      uri: 'pkg:github/aquasecurity/trivy@0.0.0-standin',
      version: '0.0.0-standin',
      db: { uri: '', version: '' },
      result: readReport()
    })
    expect(Date.parse(predicate.metadata.scanStartedOn)).not.toBeNaN()
    expect(Date.parse(predicate.metadata.scanFinishedOn)).not.toBeNaN()
  })

  it('writes SARIF that is valid against the 2.1.0 schema', async () => {
    await scanTar([])
    const out = join(work, 'r.sarif')
    expect(
      (await runStandin(['convert', '-f', 'sarif', '-o', out, join(work, 'r.json')])).code
    ).toBe(0)
    const schema = JSON.parse(readFileSync(SARIF_SCHEMA_FILE, 'utf8'))
    // CommonJS modules: under NodeNext their classes are the `default` of the module object.
    const ajv = new AjvDraft04.default({ allErrors: true, strict: false })
    ajvFormats.default(ajv)
    const validate = ajv.compile(schema)
    expect(validate(JSON.parse(readFileSync(out, 'utf8')))).toBe(true)
  })

  it('refuses a file that is not a trivy JSON report', async () => {
    writeFileSync(join(work, 'x.json'), '{"runs":[]}')
    const run = await runStandin(['convert', '--format', 'sarif', join(work, 'x.json')])
    expect(run.code).toBe(1)
  })
})
