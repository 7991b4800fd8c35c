// What a tool-cache hit costs now that every job verifies what it runs, at real sizes: trivy's
// archive (about 50 MB) and cosign's binary (about 100 MB). Made from the real binaries that
// `npm run setup` builds (~/.cache/imgsec-action/real-tools) when they are there, else from random
// bytes of the same sizes. Measured in-process through installTool itself, against its baseline:
// the cache hit as it was before (the cached executable trusted as found: a lookup and a stat).
//   verified by SHA-256   pinned version or `*-sha256` input: copy while hashing, unpack
//   verified by bundle    unpinned version: the same, plus the Sigstore bundle over the bytes
import * as tc from '@actions/tool-cache'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { sha256 } from '../__tests__/harness/assets.js'
import { startTestSigstore } from '../__tests__/harness/sigstore.js'
import { COSIGN_VERSION, TRIVY_VERSION } from '../__tests__/harness/world.js'
import { installTool } from '../src/tools/install.js'
import {
  assetName,
  bundleFileName,
  currentPlatform,
  releaseSigner,
  type Tool
} from '../src/tools/releases.js'
import { spread, type Spread } from './stats.js'

export interface CacheVerifyFigures {
  /** Where the bytes came from: the real binaries or random data. */
  source: string
  assetBytes: Record<Tool, number>
  trusted: Record<Tool, Spread>
  digest: Record<Tool, Spread>
  signature: Record<Tool, Spread>
}

const VERSIONS: Record<Tool, string> = { trivy: TRIVY_VERSION, cosign: COSIGN_VERSION }
const REAL_TOOLS = join(homedir(), '.cache/imgsec-action/real-tools')

function realBinary(tool: Tool): string | undefined {
  if (!existsSync(REAL_TOOLS)) return undefined
  const dir = readdirSync(REAL_TOOLS).find((name) => name.startsWith(`${tool}-`))
  const path = dir && join(REAL_TOOLS, dir, 'bin', tool)
  return path && existsSync(path) ? path : undefined
}

/** The release asset of `tool` at about its real size, in `dir`; returns its path. */
function makeAsset(tool: Tool, dir: string): { path: string; real: boolean } {
  const asset = assetName(tool, VERSIONS[tool], currentPlatform()) as string
  const path = join(dir, asset)
  const real = realBinary(tool)
  const tree = mkdtempSync(join(dir, 'tree-'))
  const exe = join(tree, tool)
  // Random bytes do not compress: 50 MB of them make an archive of trivy's real size.
  if (real) copyFileSync(real, exe)
  else writeFileSync(exe, randomBytes((tool === 'trivy' ? 50 : 100) * 1024 * 1024))
  if (tool === 'cosign') copyFileSync(exe, path)
  else execFileSync('tar', ['-czf', path, '-C', tree, tool])
  rmSync(tree, { recursive: true, force: true })
  return { path, real: Boolean(real) }
}

function quietly<T>(work: () => Promise<T>): Promise<T> {
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = (() => true) as typeof process.stdout.write
  return work().finally(() => (process.stdout.write = write))
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now()
  await work()
  return performance.now() - start
}

/** @actions/core and tool-cache log to stdout (`::debug::`…): kept out of the benchmark's table. */
export function measureCacheVerify(runs: number): Promise<CacheVerifyFigures> {
  return quietly(() => measure(runs))
}

async function measure(runs: number): Promise<CacheVerifyFigures> {
  const root = mkdtempSync(join(tmpdir(), 'imgsec-bench-cache-'))
  const saved = { cache: process.env['RUNNER_TOOL_CACHE'], temp: process.env['RUNNER_TEMP'] }
  process.env['RUNNER_TOOL_CACHE'] = join(root, 'tool-cache')
  process.env['RUNNER_TEMP'] = join(root, 'temp')
  mkdirSync(process.env['RUNNER_TEMP'], { recursive: true })
  try {
    const sigstore = await startTestSigstore()
    const trustedRootPath = join(root, 'trusted_root.json')
    writeFileSync(trustedRootPath, sigstore.trustedRoot)
    const options = { trust: { trustedRootPath } }
    const figures: CacheVerifyFigures = {
      source: '',
      assetBytes: { trivy: 0, cosign: 0 },
      trusted: {} as Record<Tool, Spread>,
      digest: {} as Record<Tool, Spread>,
      signature: {} as Record<Tool, Spread>
    }
    const sources: string[] = []
    for (const tool of ['trivy', 'cosign'] as const) {
      const version = VERSIONS[tool]
      const staging = mkdtempSync(join(root, 'staging-'))
      const { path, real } = makeAsset(tool, staging)
      sources.push(real ? `real ${tool}` : `random ${tool}`)
      const bytes = readFileSync(path)
      figures.assetBytes[tool] = statSync(path).size
      const asset = path.split('/').at(-1) as string
      const bundle = await sigstore.sign(bytes, releaseSigner(tool, version))
      writeFileSync(join(staging, bundleFileName(asset)), bundle)
      await tc.cacheDir(staging, tool, version, 'x64')
      const digest = sha256(bytes)
      const trusted: number[] = []
      const byDigest: number[] = []
      const bySignature: number[] = []
      for (let i = 0; i < runs; i++) {
        // Before: the cached executable was used as found.
        trusted.push(
          await timed(async () => {
            const dir = tc.find(tool, version, 'x64')
            if (!dir || !existsSync(join(dir, asset)))
              throw new Error('the tool cache lost its entry')
          })
        )
        for (const [samples, request] of [
          [byDigest, { version, sha256: digest }],
          [bySignature, { version }]
        ] as const) {
          let path = ''
          samples.push(
            await timed(async () => {
              const installed = await installTool(tool, request, 'http://127.0.0.1:9', options)
              if (!installed.fromCache) throw new Error(`${tool} was not taken from the tool cache`)
              path = installed.path
            })
          )
          rmSync(join(path, '../..'), { recursive: true, force: true })
        }
      }
      figures.trusted[tool] = spread(trusted)
      figures.digest[tool] = spread(byDigest)
      figures.signature[tool] = spread(bySignature)
      rmSync(staging, { recursive: true, force: true })
    }
    figures.source = sources.join(', ')
    return figures
  } finally {
    for (const [name, value] of [
      ['RUNNER_TOOL_CACHE', saved.cache],
      ['RUNNER_TEMP', saved.temp]
    ] as const) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
    rmSync(root, { recursive: true, force: true })
  }
}
