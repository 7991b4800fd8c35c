// The world an end-to-end test runs the action in: a release mirror serving stand-in trivy and
// cosign releases, a real registry on loopback holding a real image, the runner's Actions cache
// service (runs use the default cache-db: true, so trivy's DB goes through the real @actions/cache),
// and a log of every stand-in invocation. Versions are ones the action does not pin, so they are
// verified by the mirror's Sigstore bundles and checksums files (the pinned ones would be refused:
// the stand-ins are not the real bytes). Every run gets the test Sigstore's trusted root as
// `sigstore-trusted-root` (written into its RUNNER_TEMP), so no run ever asks Sigstore's public TUF
// repository.
//
//   const world = await startWorld({ auth? })
//   const run = await world.run({ steps: 'scan,gate' }, { env?, toolCache? })
//   world.sigstoreInput(runnerTemp)   { 'sigstore-trusted-root': path } for runs started elsewhere (bench)
//   world.calls(run)        the stand-in invocations of that run: [{ tool, argv, cwd }]
//   world.scans(run)        its `trivy image` scans (the DB-only download left out): argv each
//   world.cache             the cache service (entries, requests, faults; cache-service.ts)
//   await world.stop()
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCacheService, type CacheService } from './cache-service.js'
import { pushImage, type PushedImage } from './images.js'
import { startMirror, type Mirror } from './mirror.js'
import { startRegistry, type RegistryAuth, type TestRegistry } from './registry.js'
import { runAction, type ActionRun, type RunOptions } from './runner.js'

export const TRIVY_VERSION = '0.73.1'
export const COSIGN_VERSION = '3.0.5'

export interface StandinCall {
  tool: 'trivy' | 'cosign'
  argv: string[]
  cwd: string
  /** When the stand-in started (ms since the epoch; trivy only): shows scans side by side. */
  at?: number
}

export interface World {
  mirror: Mirror
  registry: TestRegistry
  cache: CacheService
  /** `127.0.0.1:PORT/team/app` */
  repository: string
  /** The image pushed at tag `1.0`. */
  pushed: PushedImage
  /** `repository:1.0` */
  image: string
  run(inputs: Record<string, string>, options?: Partial<RunOptions>): Promise<ActionRun>
  /** Writes the test Sigstore's trusted root into `dir` (a RUNNER_TEMP) and returns the input. */
  sigstoreInput(dir: string): { 'sigstore-trusted-root': string }
  calls(run: ActionRun): StandinCall[]
  /** The argv of each `trivy image` call that scanned an image (not the DB-only download). */
  scans(run: ActionRun): string[][]
  stop(): Promise<void>
}

export async function startWorld(options: { auth?: RegistryAuth } = {}): Promise<World> {
  const mirror = await startMirror({ trivy: [TRIVY_VERSION], cosign: [COSIGN_VERSION] })
  const registry = await startRegistry({ auth: options.auth })
  const cache = await startCacheService()
  const repository = `${registry.host}/team/app`
  const pushed = await pushImage(registry, 'team/app', '1.0')
  const logs = new WeakMap<ActionRun, string>()
  const calls = (run: ActionRun): StandinCall[] => {
    const log = logs.get(run)
    if (!log || !existsSync(log)) return []
    return readFileSync(log, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as StandinCall)
  }
  const temps: string[] = []
  const sigstoreInput = (dir: string): { 'sigstore-trusted-root': string } => {
    const path = join(dir, 'trusted_root.json')
    writeFileSync(path, mirror.trustedRoot)
    return { 'sigstore-trusted-root': path }
  }
  return {
    mirror,
    registry,
    cache,
    repository,
    pushed,
    image: `${repository}:1.0`,
    async run(inputs, runOptions = {}) {
      const log = join(mkdtempSync(join(tmpdir(), 'imgsec-calls-')), 'calls.jsonl')
      const runnerTemp = runOptions.runnerTemp ?? mkdtempSync(join(tmpdir(), 'imgsec-runner-temp-'))
      if (!runOptions.runnerTemp) temps.push(runnerTemp)
      mkdirSync(runnerTemp, { recursive: true })
      const run = await runAction({
        ...runOptions,
        runnerTemp,
        inputs: {
          ...sigstoreInput(runnerTemp),
          image: `${repository}:1.0`,
          'trivy-version': TRIVY_VERSION,
          'cosign-version': COSIGN_VERSION,
          'download-base-url': mirror.baseUrl,
          ...inputs
        },
        env: { ...cache.env, IMGSEC_STANDIN_LOG: log, ...runOptions.env }
      })
      logs.set(run, log)
      // A tripwire: no test may ask Sigstore's public TUF repository (each run gets a root).
      if (run.stdout.includes('tuf-repo-cdn.sigstore.dev')) {
        throw new Error("the action tried to reach Sigstore's public TUF repository in a test")
      }
      return run
    },
    sigstoreInput,
    calls,
    scans(run) {
      return calls(run)
        .filter((call) => call.tool === 'trivy' && ['image', 'i'].includes(call.argv[0] ?? ''))
        .filter((call) => !call.argv.some((arg) => /^--download-db-only(=true)?$/.test(arg)))
        .map((call) => call.argv)
    },
    async stop() {
      await Promise.all([mirror.stop(), registry.stop(), cache.stop()])
      for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true })
    }
  }
}
