// Overhead: the bundled action (tools in the tool cache, steps scan,gate,sign,verify, keyed signing)
// against a bash script that makes the same tool calls in the same order. The script is generated
// from the stand-ins' log of a warm-up run of the action, so its argv is exactly the action's: the
// difference is what the action adds (Node start-up, inputs, the digest lookup in-process instead
// of curl, report writing). Every measured run signs a freshly pushed image, so neither side
// verifies a pile of signatures left by the runs before it.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { pushImage } from '../__tests__/harness/images.js'
import { TRIVY_FIXTURES_DIR } from '../__tests__/harness/paths.js'
import {
  COSIGN_VERSION,
  TRIVY_VERSION,
  type StandinCall,
  type World
} from '../__tests__/harness/world.js'
import {
  actionDirs,
  logText,
  removeDirs,
  runMainStep,
  runnerEnv,
  runPostStep,
  runTimed,
  type ActionDirs,
  type TimedRun
} from './action-process.js'
import type { KeyPair } from './keys.js'
import { spread, type Spread } from './stats.js'

const REPOSITORY = 'team/app'
/** A report with findings below the threshold, so the gate passes and sign/verify run. */
const REPORT = join(TRIVY_FIXTURES_DIR, 'alpine-310.json')

export interface OverheadFigures {
  action: Spread
  shell: Spread
  /** Per pair of runs (action − shell), so drift of the machine between pairs cancels out. */
  difference: Spread
  /** The post step after each action run (a step of its own: removes the private temp dir). */
  post: Spread
}

const quote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`

/**
 * The bash script: look the tag up as `crane digest` does (one HEAD of the manifest), write the
 * key where the action writes it, then replay every stand-in call with the digest the lookup found. `cosign public-key` prints the public key, which the action keeps in
 * the file its `verify` call names; the script redirects it there.
 */
function shellScript(
  calls: StandinCall[],
  context: { dirs: ActionDirs; registryUrl: string; pinned: string; password: string }
): string {
  const [repo] = context.pinned.split('@') as [string]
  const accept = [
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.docker.distribution.manifest.v2+json'
  ].join(', ')
  const keyPath = calls.find((c) => c.argv[0] === 'sign')?.argv.find((a) => a.endsWith('.key'))
  const pubPath = calls.find((c) => c.argv[0] === 'verify')?.argv.find((a) => a.endsWith('.pub'))
  // The first trivy call downloads the DB; the scan after it names the report.
  const report = calls
    .filter((c) => c.tool === 'trivy')
    .flatMap((c) => c.argv)
    .find((a) => a.endsWith('.json'))
  if (!keyPath || !pubPath || !report)
    throw new Error('the warm-up run made no sign/verify/scan call')
  // The tools as the warm-up run unpacked them: in its private folders under RUNNER_TEMP (the
  // tool cache holds only the release assets).
  const unpacked = (tool: string): string => {
    const path = readdirSync(context.dirs.runnerTemp)
      .filter((name) => name.startsWith(`imgsec-${tool}-`))
      .map((name) => join(context.dirs.runnerTemp, name, 'tool', tool))
      .find((candidate) => existsSync(candidate))
    if (!path) throw new Error(`the warm-up run left no unpacked ${tool}`)
    return path
  }
  const tools = { trivy: unpacked('trivy'), cosign: unpacked('cosign') }
  const lines = [
    'set -euo pipefail',
    'tag="$1"',
    `digest=$(curl -sfI -H ${quote(`Accept: ${accept}`)} "${context.registryUrl}/v2/${REPOSITORY}/manifests/$tag" | tr -d '\\r' | awk 'tolower($1)=="docker-content-digest:" {print $2}')`,
    `mkdir -p ${quote(dirname(report))}`,
    `(umask 077 && mkdir -p ${quote(dirname(keyPath))} && printf '%s' "$BENCH_COSIGN_KEY" > ${quote(keyPath)})`,
    'export TRIVY_NO_PROGRESS=true TRIVY_SKIP_VERSION_CHECK=true TRIVY_DISABLE_TELEMETRY=true',
    `export TRIVY_CACHE_DIR=${quote(join(context.dirs.runnerTemp, 'imgsec-trivy-cache'))}`,
    `export COSIGN_PASSWORD=${quote(context.password)}`
  ]
  for (const call of calls) {
    const argv = call.argv.map((arg) =>
      arg === context.pinned ? `${quote(repo)}@"$digest"` : quote(arg)
    )
    const redirect = call.argv[0] === 'public-key' ? ` > ${quote(pubPath)}` : ''
    lines.push(`${quote(tools[call.tool])} ${argv.join(' ')}${redirect}`)
  }
  lines.push(`rm -rf ${quote(dirname(keyPath))}`)
  return lines.join('\n') + '\n'
}

function readCalls(file: string): StandinCall[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as StandinCall)
}

function check(run: TimedRun, what: string): void {
  if (run.exitCode !== 0) {
    throw new Error(`${what} failed (exit ${run.exitCode}):\n${logText(run)}\n${run.stderr}`)
  }
}

export async function measureOverhead(
  world: World,
  runs: number,
  keys: KeyPair
): Promise<OverheadFigures> {
  const dirs = actionDirs()
  const callLog = join(dirs.root, 'calls.jsonl')
  const inputs = (tag: string): Record<string, string> => ({
    image: `${world.repository}:${tag}`,
    steps: 'scan,gate,sign,verify',
    'fail-on': 'high',
    'trivy-version': TRIVY_VERSION,
    'cosign-version': COSIGN_VERSION,
    'download-base-url': world.mirror.baseUrl,
    'cache-db': 'false',
    ...world.sigstoreInput(dirs.runnerTemp),
    'cosign-key': keys.privateKey,
    'cosign-password': keys.password
  })
  const env = { STANDIN_TRIVY_REPORT: REPORT }
  try {
    // Warm-up: fills the tool cache and trivy's cache dir, and records the calls to replay.
    const warm = await runMainStep(dirs, inputs('1.0'), { ...env, IMGSEC_STANDIN_LOG: callLog })
    check(warm, 'the warm-up run of the action')
    const pinned = `${world.repository}@${world.pushed.digest}`
    const script = join(dirs.root, 'baseline.sh')
    const calls = readCalls(callLog)
    writeFileSync(
      script,
      shellScript(calls, { dirs, registryUrl: world.registry.url, pinned, password: keys.password })
    )
    const shellEnv = runnerEnv(dirs, inputs('1.0'), { ...env, BENCH_COSIGN_KEY: keys.privateKey })
    const warmShell = await runTimed(['bash', script, '1.0'], {
      env: shellEnv,
      cwd: dirs.workspace
    })
    check(warmShell, 'the warm-up run of the shell baseline')

    const action: number[] = []
    const shell: number[] = []
    const post: number[] = []
    for (let i = 0; i < runs; i++) {
      const [forAction, forShell] = [`bench-a${i}`, `bench-s${i}`]
      await pushImage(world.registry, REPOSITORY, forAction)
      await pushImage(world.registry, REPOSITORY, forShell)
      // Alternate which side goes first, so a machine that slows down over time favours neither.
      const order = i % 2 ? ['shell', 'action'] : ['action', 'shell']
      for (const side of order) {
        if (side === 'action') {
          const run = await runMainStep(dirs, inputs(forAction), env)
          check(run, 'the action')
          action.push(run.wallMs)
          const postRun = await runPostStep(dirs, inputs(forAction))
          check(postRun, 'the post step')
          post.push(postRun.wallMs)
        } else {
          const run = await runTimed(['bash', script, forShell], {
            env: shellEnv,
            cwd: dirs.workspace
          })
          check(run, 'the shell baseline')
          shell.push(run.wallMs)
        }
      }
    }
    return {
      action: spread(action),
      shell: spread(shell),
      difference: spread(action.map((ms, i) => ms - (shell[i] as number))),
      post: spread(post)
    }
  } finally {
    removeDirs(dirs)
  }
}
