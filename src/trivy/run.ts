// How every trivy call starts: a private, empty working directory, a private Docker config with
// only the registries it may sign in to, and an environment of trivy's own settings only.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { ToolError } from '../errors.js'
import { writeDockerConfigEntries, type RegistryAuth } from '../registry/credentials.js'
import { privateTempDir } from '../secure-fs/private-dir.js'
import type { ImageSource } from '../types.js'
import { runTool, tail, type RunOptions } from '../tools/exec.js'

/**
 * trivy's own variables for every call: quiet, CI-friendly logs, and the cache dir (so that `version`
 * and `convert` see the same DB as the scan). Nothing else of the job's TRIVY_* reaches trivy (see
 * tools/exec.ts). Registry credentials come through `dockerConfig`, a private Docker config with one
 * `auths` entry per registry: TRIVY_USERNAME/PASSWORD would go to every registry trivy contacts,
 * the vulnerability-database registries included.
 */
export function scanEnv(options: {
  cacheDir: string
  dockerConfig?: string
}): Record<string, string> {
  const env: Record<string, string> = {
    TRIVY_NO_PROGRESS: 'true',
    TRIVY_SKIP_VERSION_CHECK: 'true',
    TRIVY_DISABLE_TELEMETRY: 'true',
    TRIVY_CACHE_DIR: options.cacheDir
  }
  if (options.dockerConfig) env['DOCKER_CONFIG'] = options.dockerConfig
  return env
}

/** The Docker daemon's address, for `image-source: docker` (podman's socket is under XDG_RUNTIME_DIR). */
const DAEMON_ENVIRONMENT = [
  'DOCKER_HOST',
  'DOCKER_CERT_PATH',
  'DOCKER_TLS_VERIFY',
  'DOCKER_API_VERSION'
]

/**
 * Runs trivy in a private, empty working directory (so that a `trivy.yaml`, `trivy-secret.yaml` or
 * `.trivyignore` a pull request commits to the workspace is never read: every path we pass is
 * absolute) with a private Docker config, both removed afterwards.
 */
export async function runTrivy(
  trivyPath: string,
  args: string[],
  options: { cacheDir: string; auths?: RegistryAuth[]; source?: ImageSource; silent?: boolean }
): Promise<Awaited<ReturnType<typeof runTool>>> {
  const dir = mkdtempSync(join(privateTempDir(), 'trivy-'))
  try {
    const cwd = join(dir, 'cwd')
    mkdirSync(cwd, { mode: 0o700 })
    const dockerConfig = writeDockerConfigEntries(join(dir, 'docker'), options.auths ?? [])
    const run: RunOptions = {
      env: scanEnv({ cacheDir: options.cacheDir, dockerConfig }),
      inherit: options.source?.kind === 'docker' ? DAEMON_ENVIRONMENT : [],
      cwd,
      silent: options.silent
    }
    return await runTool(trivyPath, args, run)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The version trivy reports about itself (`Version: 0.74.0`), e.g. for the outputs. */
export async function trivyVersion(trivyPath: string): Promise<string> {
  const result = await runTool(trivyPath, ['--version'], {
    env: { TRIVY_SKIP_VERSION_CHECK: 'true', TRIVY_DISABLE_TELEMETRY: 'true' },
    cwd: privateTempDir(),
    silent: true
  })
  const version = /^Version:\s*v?(\S+)/m.exec(result.stdout)?.[1]
  if (result.exitCode !== 0 || !version) {
    throw new ToolError(
      `trivy --version failed (exit code ${result.exitCode})`,
      tail(result.stderr || result.stdout)
    )
  }
  return version
}

/**
 * What trivy said went wrong: its FATAL and ERROR log lines (and a Go panic's first lines) when
 * there are any, else the end of its log; INFO lines about the DB download say nothing about a crash.
 */
export function trivyErrors(stderr: string): string {
  const lines = stderr.split('\n')
  const panic = lines.findIndex((line) => line.startsWith('panic:'))
  if (panic !== -1) return lines.slice(panic, panic + 6).join('\n')
  const errors = lines.filter((line) => /\t(FATAL|ERROR)\t|^\s+\* /.test(line))
  return errors.length > 0 ? errors.slice(-10).join('\n') : tail(stderr)
}
