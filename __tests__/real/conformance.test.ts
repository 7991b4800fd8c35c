// The stand-ins held to the real tools. Every command line the action builds (the argv builders'
// table cases) must be accepted by the real binary's flag parser: cobra parses every flag before it
// honours --help, so `<argv> --help` fails on an unknown flag or a malformed value and does no work
// (no registry, no DB, no TUF). And the stand-in trivy's JSON report must have the shape (keys and
// types) of the real trivy's report for the same image: the e2e tier reads what the real one writes.
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
import { buildScanArgs, type ConvertFormat } from '../../src/trivy/scan.js'
import { TRIVY_FIXTURES_DIR } from '../harness/paths.js'
import { realToolPath } from '../harness/real/tools.js'
import { OFFLINE_ENV, startRealWorld, type RealWorld } from '../harness/real/world.js'
import { runStandin } from '../harness/trivy-standin-run.js'
import { base, REF, SIGN_ARGS_CASES, VERIFY_ARGS_CASES } from '../unit/cosign/args-cases.js'
import { options, SCAN_ARGS_CASES } from '../unit/trivy/scan-args-cases.js'

const home = mkdtempSync(join(tmpdir(), 'imgsec-conformance-'))

interface Parsed {
  exitCode: number
  stdout: string
  stderr: string
}

/** The real tool with `--help` appended: flags parsed, nothing done. */
function parseOnly(tool: 'trivy' | 'cosign', argv: string[]): Promise<Parsed> {
  return new Promise((resolve) => {
    execFile(
      realToolPath(tool),
      [...argv, '--help'],
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
const CONVERT_FORMATS: ConvertFormat[] = ['cosign-vuln', 'sarif', 'table', 'json']

/** Every cosign command line the action can build, by name. */
function cosignLines(): Array<[string, string[]]> {
  const lines: Array<[string, string[]]> = SIGN_ARGS_CASES.map(([name, overrides]) => [
    `sign ${name}`,
    signArgs({ ...base, ...overrides })
  ])
  for (const [name, tlog] of TLOG_MODES) {
    lines.push([`sign ${name}`, signArgs({ ...base, keyRef: '/p/k', tlog })])
    lines.push([
      `attest ${name}`,
      attestArgs({
        pinnedRef: REF,
        keyRef: '/p/k',
        tlog,
        predicateFile: '/p/v.json',
        type: 'vuln'
      })
    ])
  }
  for (const [name, verify] of VERIFY_ARGS_CASES) {
    lines.push([`verify ${name}`, verifyArgs(verify)])
    lines.push([`verify-attestation ${name}`, verifyAttestationArgs(verify, 'vuln')])
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
  for (const format of CONVERT_FORMATS) {
    lines.push([
      `convert ${format}`,
      ['convert', '--format', format, '--output', '/p/out', '/p/report.json']
    ])
  }
  return lines
}

describe('every command line the action builds parses with the real tools', () => {
  it.each(cosignLines())('cosign %s', async (_name, argv) => {
    const result = await parseOnly('cosign', argv)
    expect(result.stderr).not.toMatch(
      /unknown (shorthand )?flag|invalid argument|flag needs an argument/
    )
    expect(result).toMatchObject({ exitCode: 0 })
    expect(result.stdout).toContain('Usage:')
  })

  it.each(trivyLines())('trivy %s', async (_name, argv) => {
    const result = await parseOnly('trivy', argv)
    expect(result.stderr).not.toMatch(
      /unknown (shorthand )?flag|invalid argument|flag needs an argument/
    )
    expect(result).toMatchObject({ exitCode: 0 })
    expect(result.stdout).toContain('Usage:')
  })

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

describe('the stand-in trivy writes the report shape the real trivy writes', () => {
  let world: RealWorld
  let real: Map<string, string>
  let work: string
  beforeAll(async () => {
    world = await startRealWorld()
    work = mkdtempSync(join(tmpdir(), 'imgsec-shape-'))
    const argv = (tool: string) => [
      ...buildScanArgs({
        ...options(),
        target: `${world.registry.host}/${world.images.vulnerable.repository}@${world.images.vulnerable.pushed.digest}`,
        reportFile: join(work, `${tool}.json`),
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
})
