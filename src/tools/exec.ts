// The one seam through which every external tool runs: an argv array handed to the OS, never a
// shell, so no input is ever interpreted by one. Secrets travel in `env`, never in `args`.
//
// Each tool starts from an allow-list, not from the job's environment: trivy and cosign are other
// people's code running beside the runner's tokens (ACTIONS_RUNTIME_TOKEN, the OIDC request pair
// that mints a signing identity, GITHUB_TOKEN), and an earlier step or the runner's machine can
// set TRIVY_*/COSIGN_*/SIGSTORE_*/TUF_* variables that change what the tools check.
import * as exec from '@actions/exec'

export interface RunOptions {
  /** The tool's own variables (set by us), on top of the allow-listed environment. */
  env?: Record<string, string>
  /**
   * Further variables of this process the tool may see (a KMS provider's credentials, the Docker
   * daemon's address), by exact name or by a prefix ending in `_`. Never one that `DENIED` names.
   */
  inherit?: readonly string[]
  cwd?: string
  /** Do not echo the tool's output to the log (we parse it ourselves). */
  silent?: boolean
}

export interface RunResult {
  exitCode: number
  stdout: string
  stderr: string
}

/** What every tool may inherit: how to find programs, home and temporary folders, proxies, CAs. */
export const BASE_ENVIRONMENT: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LC_ALL',
  'TZ',
  'TMPDIR',
  'TMP',
  'TEMP',
  'XDG_RUNTIME_DIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  // Windows: without these, Go programs cannot find the system's folders and certificate store.
  'SYSTEMROOT',
  'WINDIR',
  'COMSPEC',
  'PATHEXT',
  'USERPROFILE',
  'APPDATA',
  'LOCALAPPDATA',
  'PROGRAMDATA',
  // The local test world's stand-ins read their settings from these; no real tool does.
  'IMGSEC_STANDIN_',
  'STANDIN_'
]

/** Never inherited, whatever a caller asks for: these steer the tools or carry the job's tokens. */
const DENIED = /^(?:TRIVY_|COSIGN_|SIGSTORE_|TUF_|ACTIONS_|INPUT_|STATE_)|^GITHUB_TOKEN$/i

/** Case-insensitive, as Windows treats names (`Path`, `http_proxy` next to `HTTP_PROXY`). */
function matches(name: string, allowed: readonly string[]): boolean {
  const upper = name.toUpperCase()
  return allowed.some((entry) => {
    const wanted = entry.toUpperCase()
    return wanted.endsWith('_') ? upper.startsWith(wanted) : upper === wanted
  })
}

/** The environment a tool starts with: the allow-listed variables of this process, then `env`. */
export function toolEnvironment(
  options: Pick<RunOptions, 'env' | 'inherit'> = {},
  from: NodeJS.ProcessEnv = process.env
): Record<string, string> {
  const allowed = [...BASE_ENVIRONMENT, ...(options.inherit ?? [])]
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(from)) {
    if (value !== undefined && !DENIED.test(name) && matches(name, allowed)) env[name] = value
  }
  return Object.assign(env, options.env)
}

/** Runs `tool` with `args` and returns its exit code and output; never throws on a non-zero exit. */
export async function runTool(
  tool: string,
  args: string[],
  options: RunOptions = {}
): Promise<RunResult> {
  const result = await exec.getExecOutput(tool, args, {
    env: toolEnvironment(options),
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
