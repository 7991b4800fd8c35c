// Every platform of a multi-platform image (issue 12): the bundled action with the real trivy scans
// an index of four platform images (one trivy scan per platform image, several at once, after one
// DB download) and, paired with it in the same run, a single-platform image with the same packages.
// The ratio of the two wall times says what the other three platforms cost. Loopback only: the real
// world of the test tier (registry, offline DB); tools in the tool cache, `cache-db: false`.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { IMAGE_PACKAGES } from '../__tests__/harness/real/alpine-images.js'
import type { RealWorld } from '../__tests__/harness/real/world.js'
import { OFFLINE_ENV } from '../__tests__/harness/real/world.js'
import { parseCommandFile } from '../__tests__/harness/runner.js'
import {
  actionDirs,
  groupMs,
  logText,
  removeDirs,
  runMainStep,
  type ActionDirs,
  type TimedRun
} from './action-process.js'
import { spread, type Spread } from './stats.js'

export const BENCH_PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/ppc64le']

export interface PlatformFigures {
  /** The action on the four-platform index. */
  index: Spread
  /** The action on one platform image. */
  single: Spread
  /** index / single per pair of runs. */
  ratio: Spread
  /** The Scan step alone (its log group: the DB check once, then the scans), index / single. */
  scan: { index: Spread; single: Spread; ratio: Spread }
  platforms: number
}

interface Timing {
  wallMs: number
  scanMs: number
}

/** Runs the main step and checks it did what the figure says: exit 0, one scan per platform. */
async function timedRun(
  dirs: ActionDirs,
  inputs: Record<string, string>,
  platforms: number
): Promise<Timing> {
  const run: TimedRun = await runMainStep(dirs, inputs, OFFLINE_ENV)
  const outputs = parseCommandFile(readFileSync(join(dirs.root, 'output'), 'utf8'))
  const scanned = JSON.parse(outputs['platforms'] || '[]') as unknown[]
  if (run.exitCode !== 0 || scanned.length !== platforms) {
    throw new Error(
      `the action on ${inputs['image']} exited ${run.exitCode} with ${scanned.length} platforms ` +
        `scanned (expected ${platforms}):\n${logText(run)}\n${run.stderr}`
    )
  }
  return { wallMs: run.wallMs, scanMs: groupMs(run, 'Scan') }
}

export async function measurePlatforms(world: RealWorld, runs: number): Promise<PlatformFigures> {
  const dirs = actionDirs()
  try {
    // Both carry the vulnerable package list, so every scan reports the same findings.
    const packages = IMAGE_PACKAGES.vulnerable
    const index = await world.push(
      'bench-four-platforms',
      Object.fromEntries(BENCH_PLATFORMS.map((platform) => [platform, packages]))
    )
    const single = await world.push('bench-one-platform', { 'linux/amd64': packages })
    const inputs = (image: string): Record<string, string> => ({
      ...world.baseInputs,
      image,
      steps: 'scan,gate',
      'fail-on': 'none'
    })
    // Warm-up: fills the tool cache and the trivy DB cache of RUNNER_TEMP that both sides share.
    await timedRun(dirs, inputs(index.ref), BENCH_PLATFORMS.length)
    await timedRun(dirs, inputs(single.ref), 1)
    const indexRuns: Timing[] = []
    const singleRuns: Timing[] = []
    for (let i = 0; i < runs; i++) {
      // Alternate which side goes first, so a machine that slows down over time favours neither.
      for (const side of i % 2 ? ['single', 'index'] : ['index', 'single']) {
        if (side === 'index') {
          indexRuns.push(await timedRun(dirs, inputs(index.ref), BENCH_PLATFORMS.length))
        } else {
          singleRuns.push(await timedRun(dirs, inputs(single.ref), 1))
        }
      }
    }
    const figures = (key: keyof Timing) => ({
      index: spread(indexRuns.map((run) => run[key])),
      single: spread(singleRuns.map((run) => run[key])),
      ratio: spread(indexRuns.map((run, i) => run[key] / (singleRuns[i] as Timing)[key]))
    })
    return { ...figures('wallMs'), scan: figures('scanMs'), platforms: BENCH_PLATFORMS.length }
  } finally {
    removeDirs(dirs)
  }
}
