// The one seam through which every external tool runs: an argv array handed to the OS, never a
// shell, so no input is ever interpreted by one. Secrets travel in `env`, never in `args`.
import * as exec from '@actions/exec'

export interface RunOptions {
  /** Extra environment for the tool, on top of this process's environment. */
  env?: Record<string, string>
  cwd?: string
  /** Do not echo the tool's output to the log (we parse it ourselves). */
  silent?: boolean
}

export interface RunResult {
  exitCode: number
  stdout: string
  stderr: string
}

/** Runs `tool` with `args` and returns its exit code and output; never throws on a non-zero exit. */
export async function runTool(
  tool: string,
  args: string[],
  options: RunOptions = {}
): Promise<RunResult> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    // The runner passes every input as INPUT_<NAME>, passwords and tokens included; a tool gets
    // only the secrets meant for it, through the variables `options.env` names.
    if (value !== undefined && !key.startsWith('INPUT_')) env[key] = value
  }
  Object.assign(env, options.env)
  const result = await exec.getExecOutput(tool, args, {
    env,
    cwd: options.cwd,
    silent: options.silent ?? false,
    ignoreReturnCode: true
  })
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr }
}

/** The last `maxLines` non-empty lines of a tool's stderr, for error messages. */
export function tail(text: string, maxLines = 15): string {
  const lines = text.split('\n').filter((line) => line.trim() !== '')
  return lines.slice(-maxLines).join('\n')
}
