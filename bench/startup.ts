// Start-up: how long the bundled action takes from process start to its first log line (loading
// and evaluating dist/index.js, reading the inputs), against Node 24 starting and exiting with
// `node -e ''`. Both are timed the same way, from spawn, with stdout on a pipe.
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { NODE24, REPO_ROOT } from '../__tests__/harness/runner.js'
import { COSIGN_VERSION, TRIVY_VERSION, type World } from '../__tests__/harness/world.js'
import { actionDirs, removeDirs, runMainStep, runTimed } from './action-process.js'
import { spread, type Spread } from './stats.js'

export interface StartupFigures {
  distBytes: number
  mainBundleBytes: number
  firstLine: Spread
  nodeEmpty: Spread
  /** Per pair: first line − node -e ''. */
  difference: Spread
  /** A bad input (`fail-on: severe`): spawn to exit, the one-line error written. */
  inputError: Spread
}

function treeBytes(dir: string): number {
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    total += entry.isDirectory() ? treeBytes(path) : statSync(path).size
  }
  return total
}

export async function measureStartup(world: World, runs: number): Promise<StartupFigures> {
  const dirs = actionDirs()
  const inputs = {
    image: world.image,
    steps: 'scan,gate',
    'fail-on': 'none',
    'trivy-version': TRIVY_VERSION,
    'cosign-version': COSIGN_VERSION,
    'download-base-url': world.mirror.baseUrl,
    'cache-db': 'false',
    ...world.sigstoreInput(dirs.runnerTemp)
  }
  try {
    await runMainStep(dirs, inputs) // fills the tool cache: the runs below only start up and scan
    const firstLine: number[] = []
    const nodeEmpty: number[] = []
    const inputError: number[] = []
    for (let i = 0; i < runs; i++) {
      const empty = await runTimed([NODE24, '-e', ''])
      nodeEmpty.push(empty.wallMs)
      const run = await runMainStep(dirs, inputs)
      const first = run.lines[0]
      if (!first) throw new Error(`the action logged nothing:\n${run.stderr}`)
      firstLine.push(first.at)
      const refused = await runMainStep(dirs, { ...inputs, 'fail-on': 'severe' })
      if (refused.exitCode !== 1) throw new Error('a bad input did not fail the step')
      inputError.push(refused.wallMs)
    }
    return {
      distBytes: treeBytes(join(REPO_ROOT, 'dist')),
      mainBundleBytes: statSync(join(REPO_ROOT, 'dist', 'index.js')).size,
      firstLine: spread(firstLine),
      nodeEmpty: spread(nodeEmpty),
      difference: spread(firstLine.map((ms, i) => ms - (nodeEmpty[i] as number))),
      inputError: spread(inputError)
    }
  } finally {
    removeDirs(dirs)
  }
}
