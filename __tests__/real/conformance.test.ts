// The stand-ins held to the real tools. Every command line the action builds (the argv builders'
// table cases) must be accepted by the real binary's flag parser: cobra parses every flag before it
// honours --help, so `<argv> --help` fails on an unknown flag or a malformed value and does no work
// (no registry, no DB, no TUF). The stand-ins must accept exactly what the real tools accept: the
// same lines and the same malformed ones are run through both parsers and must get the same
// answer. The stand-in trivy's JSON report and CycloneDX SBOM must have the shape (keys and types)
// of the real trivy's for the same image, and it must refuse what the real one refuses (a DB update
// skipped on an empty cache, an unknown scan cache) with the same message: the e2e tier reads what
// the real one writes.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  attestArgs,
  publicKeyArgs,
  signArgs,
  signingConfigArgs,
  treeArgs,
  verifyArgs,
  verifyAttestationArgs,
  type TlogMode
} from '../../src/cosign/args.js'
import { downloadDbArgs } from '../../src/trivy/db-download.js'
import { buildScanArgs, type ConvertFormat } from '../../src/trivy/scan.js'
import { ATTESTATION_TYPES } from '../../src/types.js'
import { TRIVY_FIXTURES_DIR } from '../harness/paths.js'
import { realToolPath } from '../harness/real/tools.js'
import { OFFLINE_ENV, startRealWorld, type RealWorld } from '../harness/real/world.js'
import { STANDIN_DIR } from '../harness/paths.js'
import { runStandin } from '../harness/trivy-standin-run.js'
import { base, REF, SIGN_ARGS_CASES, VERIFY_ARGS_CASES } from '../unit/cosign/args-cases.js'
import { options, SCAN_ARGS_CASES } from '../unit/trivy/scan-args-cases.js'

const home = mkdtempSync(join(tmpdir(), 'imgsec-conformance-'))

interface Parsed {
  exitCode: number
  stdout: string
  stderr: string
}

/** The real tool (or its stand-in) with `--help` appended: flags parsed, nothing done. */
function parseOnly(tool: 'trivy' | 'cosign', argv: string[], standin = false): Promise<Parsed> {
  const [file, args] = standin
    ? [process.execPath, [join(STANDIN_DIR, `${tool}.mjs`), ...argv, '--help']]
    : [realToolPath(tool), [...argv, '--help']]
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        env: {
          PATH: process.env['PATH'] ?? '',
          HOME: home,
          TUF_ROOT: join(home, 'tuf'),
          ...OFFLINE_ENV
        },
        timeout: 30_000
      },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code
        resolve({ exitCode: error ? (typeof code === 'number' ? code : -1) : 0, stdout, stderr })
      }
    )
  })
}

const TLOG_MODES: Array<[string, TlogMode]> = [
  ['tlog on', { upload: true }],
  ['v3 keyed without tlog', { upload: false, signingConfig: false }],
  ['v3 keyless without tlog', { upload: false, signingConfig: '/p/signing-config.json' }]
]
const CONVERT_FORMATS: ConvertFormat[] = ['cosign-vuln', 'cyclonedx', 'sarif', 'table', 'json']

const DB = '127.0.0.1:5000/imgsec/trivy-db:2'
const PLATFORM_REF = `127.0.0.1:5000/team/app@sha256:${'c'.repeat(64)}`

/** Every cosign command line the action can build, by name. */
function cosignLines(): Array<[string, string[]]> {
  const lines: Array<[string, string[]]> = SIGN_ARGS_CASES.map(([name, overrides]) => [
    `sign ${name}`,
    signArgs({ ...base, ...overrides })
  ])
  for (const [name, tlog] of TLOG_MODES) {
    lines.push([`sign ${name}`, signArgs({ ...base, keyRef: '/p/k', tlog })])
    for (const type of ATTESTATION_TYPES) {
      lines.push([
        `attest ${type} ${name}`,
        attestArgs({ pinnedRef: REF, keyRef: '/p/k', tlog, predicateFile: '/p/v.json', type })
      ])
    }
  }
  for (const type of ATTESTATION_TYPES) {
    lines.push([
      `attest ${type} keyless`,
      attestArgs({ pinnedRef: REF, tlog: { upload: true }, predicateFile: '/p/v.json', type })
    ])
  }
  for (const [name, verify] of VERIFY_ARGS_CASES) {
    lines.push([`verify ${name}`, verifyArgs(verify)])
    for (const type of ATTESTATION_TYPES)
      lines.push([`verify-attestation ${type} ${name}`, verifyAttestationArgs(verify, type)])
  }
  lines.push(['signing-config create', signingConfigArgs('/p/signing-config.json')])
  lines.push(['public-key', publicKeyArgs('/p/cosign.key')])
  lines.push(['tree', treeArgs(REF)])
  return lines
}

/** Every trivy command line the action can build, by name. */
function trivyLines(): Array<[string, string[]]> {
  const lines: Array<[string, string[]]> = SCAN_ARGS_CASES.map(([name, overrides]) => [
    `image ${name}`,
    buildScanArgs(options(overrides))
  ])
  // issue 12: the DB once, then scans of platform images that only read it, every package listed.
  lines.push(['DB only', downloadDbArgs({ dbRepositories: [], cacheDir: '/c', auths: [] })])
  lines.push([
    'DB only from two repositories',
    downloadDbArgs({ dbRepositories: [DB, 'ghcr.io/x/trivy-db'], cacheDir: '/c', auths: [] })
  ])
  lines.push([
    'image of a platform, DB update skipped, every package',
    buildScanArgs(options({ target: PLATFORM_REF, skipDbUpdate: true, listAllPackages: true }))
  ])
  for (const format of CONVERT_FORMATS) {
    lines.push([
      `convert ${format}`,
      ['convert', '--format', format, '--output', '/p/out', '/p/report.json']
    ])
  }
  return lines
}

/** Malformed neighbours of issue 12's command lines: the real tools and the stand-ins refuse them. */
const MALFORMED_LINES: Array<['trivy' | 'cosign', string, string[]]> = [
  ['trivy', 'list-all-pkgs=maybe', ['image', '--list-all-pkgs=maybe', PLATFORM_REF]],
  ['trivy', 'cache-backend without a value', ['image', '--cache-backend']],
  ['trivy', 'skip-db-update=later', ['image', '--skip-db-update=later', PLATFORM_REF]],
  ['trivy', 'list-all-packages', ['image', '--list-all-packages', PLATFORM_REF]],
  ['trivy', 'convert --sbom', ['convert', '--sbom', '/r.json']],
  ['cosign', 'attest --sbom', ['attest', '--sbom', '/p/s', PLATFORM_REF]],
  ['cosign', 'attest --type without a value', ['attest', '--type']],
  ['cosign', 'sign --recursive=sometimes', ['sign', '--recursive=sometimes', PLATFORM_REF]]
]

describe('every command line the action builds parses with the real tools', () => {
  // The stand-in must take the line too: the e2e tier runs every one of them against it.
  it.each(cosignLines())('cosign %s', async (_name, argv) => {
    for (const result of [await parseOnly('cosign', argv), await parseOnly('cosign', argv, true)]) {
      expect(result.stderr).not.toMatch(
        /unknown (shorthand )?flag|invalid argument|flag needs an argument/
      )
      expect(result).toMatchObject({ exitCode: 0 })
      expect(result.stdout).toContain('Usage:')
    }
  })

  it.each(trivyLines())('trivy %s', async (_name, argv) => {
    for (const result of [await parseOnly('trivy', argv), await parseOnly('trivy', argv, true)]) {
      expect(result.stderr).not.toMatch(
        /unknown (shorthand )?flag|invalid argument|flag needs an argument/
      )
      expect(result).toMatchObject({ exitCode: 0 })
      expect(result.stdout).toContain('Usage:')
    }
  })

  it.each(MALFORMED_LINES)(
    '%s %s: refused by the real tool and the stand-in',
    async (tool, _name, argv) => {
      const [real, standin] = await Promise.all([
        parseOnly(tool, argv),
        parseOnly(tool, argv, true)
      ])
      expect({ real: real.exitCode === 0, standin: standin.exitCode === 0 }).toEqual({
        real: false,
        standin: false
      })
    }
  )

  it('would catch a flag the real tools do not know', async () => {
    expect((await parseOnly('trivy', ['image', '--list-all-packages=false'])).exitCode).not.toBe(0)
    expect((await parseOnly('cosign', ['sign', '--tlog=false', REF])).exitCode).not.toBe(0)
  })
})

/** `Results[].Vulnerabilities[].FixedVersion` -> type, for every path in the document. */
function shape(value: unknown, path = '', out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value)) {
    out.set(path, 'array')
    for (const item of value) shape(item, `${path}[]`, out)
  } else if (value !== null && typeof value === 'object') {
    out.set(path, 'object')
    // Maps keyed by data (vendor names in CVSS and VendorSeverity) are one shape, whatever the keys.
    const isMap = /\.(CVSS|VendorSeverity)$/.test(path)
    for (const [key, item] of Object.entries(value))
      shape(item, `${path}.${isMap ? '*' : key}`, out)
  } else {
    out.set(path, value === null ? 'null' : typeof value)
  }
  return out
}

/** The real trivy, offline, with the action's environment. */
function realTrivy(argv: string[], cacheDir?: string): Promise<Parsed> {
  return new Promise((resolve) => {
    execFile(
      realToolPath('trivy'),
      argv,
      {
        env: {
          PATH: process.env['PATH'] ?? '',
          HOME: home,
          ...OFFLINE_ENV,
          TRIVY_NO_PROGRESS: 'true',
          TRIVY_SKIP_VERSION_CHECK: 'true',
          TRIVY_DISABLE_TELEMETRY: 'true',
          ...(cacheDir ? { TRIVY_CACHE_DIR: cacheDir } : {})
        },
        timeout: 120_000
      },
      (error, stdout, stderr) => resolve({ exitCode: error ? 1 : 0, stdout, stderr })
    )
  })
}

/** The message of trivy's FATAL line (after `Fatal error`), the same format in both. */
function fatal(stderr: string): string | undefined {
  return /\tFATAL\tFatal error\t(.*)/.exec(stderr)?.[1]
}

/** Paths of `sub` that `full` lacks or types differently. */
function notIn(sub: Map<string, string>, full: Map<string, string>): string[] {
  return [...sub]
    .filter(([path, type]) => full.get(path) !== type)
    .map(([path, type]) => `${path}: stand-in ${type}, real ${full.get(path) ?? 'absent'}`)
}

describe('the stand-in trivy writes the report shape the real trivy writes', () => {
  let world: RealWorld
  let real: Map<string, string>
  let work: string
  /** The arm64 image of the real world's index, by its own digest (issue 12's scan target). */
  let platformRef: string
  beforeAll(async () => {
    world = await startRealWorld()
    work = mkdtempSync(join(tmpdir(), 'imgsec-shape-'))
    const argv = (tool: string) => [
      ...buildScanArgs({
        ...options(),
        target: `${world.registry.host}/${world.images.vulnerable.repository}@${world.images.vulnerable.pushed.digest}`,
        reportFile: join(work, `${tool}.json`),
        listAllPackages: false,
        skipDbUpdate: false,
        dbRepositories: [world.dbRepository],
        cacheDir: join(work, `${tool}-cache`)
      })
    ]
    const realRun = await new Promise<Parsed>((resolve) => {
      execFile(
        realToolPath('trivy'),
        [...argv('real'), '--skip-version-check', '--disable-telemetry'],
        { env: { PATH: process.env['PATH'] ?? '', HOME: home, ...OFFLINE_ENV }, timeout: 120_000 },
        (error, stdout, stderr) => resolve({ exitCode: error ? 1 : 0, stdout, stderr })
      )
    })
    expect(realRun.stderr).not.toMatch(/FATAL/)
    real = shape(JSON.parse(readFileSync(join(work, 'real.json'), 'utf8')))
    const multi = world.images.multi
    platformRef = `${world.registry.host}/${multi.repository}@${multi.pushed.platformDigests['linux/arm64']}`
  }, 300_000)
  afterAll(async () => {
    await world?.stop()
  })

  it('has every key of the real report, with the same type, and no key the real one lacks', async () => {
    // The stand-in takes its findings from a real trivy report (as the e2e tests run it).
    const standinRun = await runStandin(
      buildScanArgs({
        ...options(),
        target: `${world.registry.host}/${world.images.vulnerable.repository}@${world.images.vulnerable.pushed.digest}`,
        reportFile: join(work, 'standin.json'),
        listAllPackages: false,
        skipDbUpdate: false,
        dbRepositories: [world.dbRepository],
        cacheDir: join(work, 'standin-cache')
      }),
      { STANDIN_TRIVY_REPORT: join(work, 'real.json') }
    )
    expect(standinRun.stderr).not.toMatch(/FATAL/)
    const standin = shape(JSON.parse(readFileSync(join(work, 'standin.json'), 'utf8')))
    const differences = [...new Set([...real.keys(), ...standin.keys()])]
      .filter((path) => real.get(path) !== standin.get(path))
      .map(
        (path) =>
          `${path}: real ${real.get(path) ?? 'absent'}, stand-in ${standin.get(path) ?? 'absent'}`
      )
    expect(differences).toEqual([])
  })

  it('the published reports the e2e tier feeds it have the real vulnerability shape', () => {
    const realVulns = [...real].filter(([path]) => path.startsWith('.Results[].Vulnerabilities[]'))
    const fixture = shape(
      JSON.parse(readFileSync(join(TRIVY_FIXTURES_DIR, 'alpine-310.json'), 'utf8'))
    )
    const mismatched = realVulns
      .filter(([path, type]) => fixture.has(path) && fixture.get(path) !== type)
      .map(([path, type]) => `${path}: real ${type}, fixture ${fixture.get(path)}`)
    expect(mismatched).toEqual([])
  })
  /** issue 12's scan: after a DB-only run, the platform image by digest, nothing cached. */
  const platformScan = (reportFile: string, cacheDir: string, listAll: boolean): string[] =>
    buildScanArgs(
      options({
        target: platformRef,
        reportFile,
        cacheDir,
        scanners: ['vuln', 'secret'],
        listAllPackages: listAll,
        skipDbUpdate: true
      })
    )

  it('lists packages and writes a CycloneDX SBOM with the shape of the real ones', async () => {
    const cache = join(work, 'sbom-real-cache')
    const db = downloadDbArgs({ dbRepositories: [world.dbRepository], cacheDir: cache, auths: [] })
    expect(fatal((await realTrivy(db, cache)).stderr)).toBeUndefined()
    const realAll = join(work, 'real-all.json')
    const realNone = join(work, 'real-none.json')
    for (const [file, listAll] of [
      [realAll, true],
      [realNone, false]
    ] as const) {
      const run = await realTrivy(platformScan(file, cache, listAll), cache)
      expect(fatal(run.stderr)).toBeUndefined()
    }
    // The stand-in scans the same image, its findings from the real report without packages: it
    // must list the packages itself, in the real Package shape.
    const standinCache = join(work, 'sbom-standin-cache')
    await runStandin(downloadDbArgs({ dbRepositories: [], cacheDir: standinCache, auths: [] }))
    const standinAll = join(work, 'standin-all.json')
    const scan = await runStandin(platformScan(standinAll, standinCache, true), {
      STANDIN_TRIVY_REPORT: realNone
    })
    expect(fatal(scan.stderr)).toBeUndefined()
    const packages = (file: string): Map<string, string> =>
      new Map(
        [...shape(JSON.parse(readFileSync(file, 'utf8')))].filter(([path]) =>
          path.startsWith('.Results[].Packages')
        )
      )
    expect(packages(standinAll).size).toBeGreaterThan(1)
    expect(notIn(packages(standinAll), packages(realAll))).toEqual([])

    // The same report converted by both: the same document shape, path for path.
    const convert = (out: string): string[] => [
      'convert',
      '--format',
      'cyclonedx',
      '--output',
      out,
      realAll
    ]
    const realSbom = join(work, 'real.cdx.json')
    const standinSbom = join(work, 'standin.cdx.json')
    expect(fatal((await realTrivy(convert(realSbom))).stderr)).toBeUndefined()
    expect(fatal((await runStandin(convert(standinSbom))).stderr)).toBeUndefined()
    const realBom = shape(JSON.parse(readFileSync(realSbom, 'utf8')))
    const standinBom = shape(JSON.parse(readFileSync(standinSbom, 'utf8')))
    expect(realBom.get('.vulnerabilities[].affects[].ref')).toBe('string')
    expect(notIn(standinBom, realBom)).toEqual([])
    expect(notIn(realBom, standinBom)).toEqual([])
  })

  it('refuses what the real trivy refuses, with the same message', async () => {
    const empty = (name: string): string => join(work, `refuse-${name}`)
    const cases: Array<[string, (cache: string) => string[]]> = [
      ['DB update skipped on an empty cache', (c) => platformScan(join(c, 'r.json'), c, false)],
      [
        'DB only and DB update skipped',
        (c) => [
          ...downloadDbArgs({ dbRepositories: [], cacheDir: c, auths: [] }),
          '--skip-db-update'
        ]
      ],
      [
        'a report that is not there',
        (c) => ['convert', '--format', 'cyclonedx', '--output', join(c, 's'), join(c, 'none')]
      ]
    ]
    for (const [name, argv] of cases) {
      const realRun = await realTrivy(argv(empty(`real-${name.length}`)))
      const standinRun = await runStandin(argv(empty(`standin-${name.length}`)))
      const message = (run: Parsed | { stderr: string }): string | undefined =>
        fatal(run.stderr)?.replaceAll(/refuse-(real|standin)-/g, 'refuse-')
      expect({ name, message: message(standinRun) }).toEqual({ name, message: message(realRun) })
      expect(message(realRun)).toBeDefined()
    }
    // An unknown scan cache, once the DB is there.
    const backend = (c: string): string[] =>
      platformScan(join(c, 'r.json'), c, false).map((arg) => (arg === 'memory' ? 'disk' : arg))
    const realCache = join(work, 'sbom-real-cache')
    const standinCache = join(work, 'sbom-standin-cache')
    const realRun = await realTrivy(backend(realCache), realCache)
    const standinRun = await runStandin(backend(standinCache))
    expect(fatal(standinRun.stderr)).toBe(fatal(realRun.stderr))
    expect(fatal(realRun.stderr)).toContain('unknown cache type')
  })
})
