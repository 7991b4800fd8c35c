// Runs dist/index.js as the runner does (the environment of __tests__/harness/runner.ts), but
// records when each line of its log arrives: the benchmark times the whole step, the start-up up
// to the first log line, and log groups such as "Install tools". Only the main step runs: the
// post step is a separate step of the job, timed on its own where it matters.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import {
  NODE24,
  parseCommandFile,
  REPO_ROOT,
  runnerEnvironment
} from '../__tests__/harness/runner.js'

const MAIN_SCRIPT = join(REPO_ROOT, 'dist/index.js')

export interface LogLine {
  /** Milliseconds since the process was spawned. */
  at: number
  text: string
}

export interface TimedRun {
  exitCode: number
  /** Spawn to exit, in ms. */
  wallMs: number
  lines: LogLine[]
  stderr: string
}

export interface ActionDirs {
  root: string
  workspace: string
  runnerTemp: string
  toolCache: string
}

/** Fresh runner directories; `toolCache` may be shared between runs (a warm cache). */
export function actionDirs(toolCache?: string): ActionDirs {
  const root = mkdtempSync(join(tmpdir(), 'imgsec-bench-'))
  const dirs = {
    root,
    workspace: join(root, 'workspace'),
    runnerTemp: join(root, 'runner-temp'),
    toolCache: toolCache ?? join(root, 'tool-cache')
  }
  for (const dir of [dirs.workspace, dirs.runnerTemp, dirs.toolCache])
    mkdirSync(dir, { recursive: true })
  return dirs
}

/** The environment a runner gives the main step (runner.ts), with its per-step files. */
export function runnerEnv(
  dirs: ActionDirs,
  inputs: Record<string, string>,
  extra: Record<string, string> = {}
): Record<string, string> {
  for (const name of ['output', 'summary', 'state', 'env', 'path'])
    writeFileSync(join(dirs.root, name), '')
  return {
    ...runnerEnvironment({
      workspace: dirs.workspace,
      runnerTemp: dirs.runnerTemp,
      toolCache: dirs.toolCache,
      envFile: join(dirs.root, 'env'),
      pathFile: join(dirs.root, 'path'),
      inputs
    }),
    GITHUB_OUTPUT: join(dirs.root, 'output'),
    GITHUB_STEP_SUMMARY: join(dirs.root, 'summary'),
    GITHUB_STATE: join(dirs.root, 'state'),
    ...extra
  }
}

/** Spawns `argv` and timestamps each stdout line as it arrives. */
export function runTimed(
  argv: string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}
): Promise<TimedRun> {
  const [command, ...args] = argv
  if (!command) throw new Error('runTimed needs a command')
  return new Promise((resolve, reject) => {
    const start = performance.now()
    const child = spawn(command, args, {
      env: options.env ?? (process.env as Record<string, string>),
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const lines: LogLine[] = []
    let partial = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      const at = performance.now() - start
      const parts = (partial + chunk.toString()).split('\n')
      partial = parts.pop() ?? ''
      for (const text of parts) lines.push({ at, text })
    })
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
    let wallMs = 0
    child.on('exit', () => (wallMs = performance.now() - start))
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      if (partial) lines.push({ at: wallMs, text: partial })
      resolve({ exitCode: code ?? -1, wallMs, lines, stderr })
    })
  })
}

/** Runs the main step of the bundled action in `dirs`. */
export function runMainStep(
  dirs: ActionDirs,
  inputs: Record<string, string>,
  env: Record<string, string> = {}
): Promise<TimedRun> {
  if (!existsSync(MAIN_SCRIPT))
    throw new Error(`${MAIN_SCRIPT} does not exist: run \`npm run package\``)
  return runTimed([NODE24, MAIN_SCRIPT], {
    env: runnerEnv(dirs, inputs, env),
    cwd: dirs.workspace
  })
}

const POST_SCRIPT = join(REPO_ROOT, 'dist/post/index.js')

/**
 * Runs the post step after a main step in `dirs`, as the runner does: STATE_<name> from the main
 * step's GITHUB_STATE. Call it before the next runMainStep (which empties that file).
 */
export function runPostStep(dirs: ActionDirs, inputs: Record<string, string>): Promise<TimedRun> {
  const state = parseCommandFile(readFileSync(join(dirs.root, 'state'), 'utf8'))
  const env = runnerEnv(dirs, inputs)
  for (const [name, value] of Object.entries(state)) env[`STATE_${name}`] = value
  return runTimed([NODE24, POST_SCRIPT], { env, cwd: dirs.workspace })
}

/** Time from the `::group::<name>` line to the `::endgroup::` after it, in ms. */
export function groupMs(run: TimedRun, name: string): number {
  const start = run.lines.findIndex((line) => line.text === `::group::${name}`)
  const end = run.lines.findIndex((line, i) => i > start && line.text === '::endgroup::')
  if (start < 0 || end < 0) {
    throw new Error(
      `no "${name}" group in the log:\n${run.lines.map((l) => l.text).join('\n')}\n${run.stderr}`
    )
  }
  return (run.lines[end] as LogLine).at - (run.lines[start] as LogLine).at
}

export function removeDirs(dirs: ActionDirs): void {
  rmSync(dirs.root, { recursive: true, force: true })
}

export function logText(run: TimedRun): string {
  return run.lines.map((line) => line.text).join('\n')
}
