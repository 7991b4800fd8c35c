// Overhead with the real tools: the bundled action running the seed workflow (scan, gate, sign,
// attest, verify with a key, no transparency log) on an Alpine image with the real trivy and cosign,
// against a bash script that does what a careful script must do for the same guarantee: verify the
// cached release assets against their SHA-256 in a private folder (sha256sum, tar), as the action does
// on every job, then make the same real tool calls (the same argv, built by the action's own argv
// builders). The ratio says what the action costs on top of that.
// Every measured run signs a freshly pushed image, so neither side verifies a pile of signatures
// left by the runs before it. Loopback only: the real world of the test tier (registry, offline DB).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { IMAGE_PACKAGES, pushAlpineImage } from '../__tests__/harness/real/alpine-images.js'
import { realAssetSha256, realRelease } from '../__tests__/harness/real/tools.js'
import { OFFLINE_ENV, type RealWorld } from '../__tests__/harness/real/world.js'
import {
  attestArgs,
  publicKeyArgs,
  signArgs,
  verifyArgs,
  verifyAttestationArgs,
  type TlogMode
} from '../src/cosign/args.js'
import { buildScanArgs } from '../src/trivy/scan.js'
import { downloadDbArgs } from '../src/trivy/db-download.js'
import {
  actionDirs,
  logText,
  removeDirs,
  runMainStep,
  runnerEnv,
  runTimed,
  type ActionDirs,
  type TimedRun
} from './action-process.js'
import { spread, type Spread } from './stats.js'

const REPOSITORY = 'team/bench'
const PASSWORD = 'bench-password'
const PINNED = '@@PINNED@@'

export interface RealOverheadFigures {
  action: Spread
  shell: Spread
  /** action / bash per pair of runs, so drift of the machine between pairs cancels out. */
  ratio: Spread
}

const quote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`

/** The tool calls of the seed workflow, as the action makes them, with the image as a placeholder. */
function toolCalls(
  files: Record<'report' | 'predicate' | 'key' | 'pub', string>,
  cacheDir: string
) {
  const tlog: TlogMode = { upload: false, signingConfig: false }
  const db = downloadDbArgs({ dbRepositories: [DB_REPOSITORY_PLACEHOLDER], cacheDir, auths: [] })
  const scan = buildScanArgs({
    target: PINNED,
    source: { kind: 'registry' },
    reportFile: files.report,
    scanners: ['vuln'],
    ignoreUnfixed: false,
    vex: [],
    listAllPackages: false,
    skipDbUpdate: true,
    dbRepositories: [DB_REPOSITORY_PLACEHOLDER],
    cacheDir
  })
  const convert = ['convert', '--format', 'cosign-vuln', '--output', files.predicate, files.report]
  const sign = signArgs({
    pinnedRef: PINNED,
    keyRef: files.key,
    tlog,
    annotations: []
  })
  const attest = attestArgs({
    pinnedRef: PINNED,
    keyRef: files.key,
    tlog,
    predicateFile: files.predicate,
    type: 'vuln'
  })
  const verify = {
    pinnedRef: PINNED,
    policy: { kind: 'key' as const, keyRef: files.pub },
    tlogUpload: false
  }
  return [
    ['trivy', db, ''],
    ['trivy', scan, ''],
    ['trivy', convert, ''],
    ['cosign', sign, ''],
    ['cosign', attest, ''],
    ['cosign', publicKeyArgs(files.key), ` > ${quote(files.pub)}`],
    ['cosign', verifyArgs(verify), ' > /dev/null'],
    ['cosign', verifyAttestationArgs(verify, 'vuln'), ' > /dev/null']
  ] as const
}
const DB_REPOSITORY_PLACEHOLDER = '@@DB@@'

/** A cached release asset, as the tool cache keeps it: the bytes, and the SHA-256 they must have. */
interface CachedAsset {
  file: string
  sha256: string
}

async function cacheAssets(dir: string): Promise<Record<'trivy' | 'cosign', CachedAsset>> {
  const cached = async (tool: 'trivy' | 'cosign'): Promise<CachedAsset> => {
    const release = await realRelease(tool)
    const asset = release.assets[0] as string
    const file = join(dir, asset)
    writeFileSync(file, release.files.get(asset) as Buffer)
    return { file, sha256: await realAssetSha256(tool) }
  }
  mkdirSync(dir, { recursive: true })
  return { trivy: await cached('trivy'), cosign: await cached('cosign') }
}

/**
 * The bash baseline: verify and unpack the cached assets in a private folder, look the tag up as
 * `crane digest` does, then the same calls.
 */
function shellScript(
  world: RealWorld,
  dirs: ActionDirs,
  assets: Record<'trivy' | 'cosign', CachedAsset>
): string {
  const work = join(dirs.root, 'shell')
  mkdirSync(work, { recursive: true })
  const files = {
    report: join(work, 'report.json'),
    predicate: join(work, 'predicate.json'),
    key: join(work, 'cosign.key'),
    pub: join(work, 'cosign.pub')
  }
  const accept =
    'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json'
  const lines = [
    'set -euo pipefail',
    'tag="$1"',
    'bin=$(mktemp -d) && chmod 700 "$bin"',
    `cp ${quote(assets.trivy.file)} "$bin/trivy.tar.gz"`,
    `echo ${quote(`${assets.trivy.sha256}  `)}"$bin/trivy.tar.gz" | sha256sum -c --quiet`,
    'tar -xzf "$bin/trivy.tar.gz" -C "$bin" trivy',
    `cp ${quote(assets.cosign.file)} "$bin/cosign"`,
    `echo ${quote(`${assets.cosign.sha256}  `)}"$bin/cosign" | sha256sum -c --quiet`,
    'chmod 700 "$bin/cosign"',
    `digest=$(curl -sfI -H ${quote(`Accept: ${accept}`)} "${world.registry.url}/v2/${REPOSITORY}/manifests/$tag" | tr -d '\\r' | awk 'tolower($1)=="docker-content-digest:" {print $2}')`,
    `(umask 077 && printf '%s' "$BENCH_COSIGN_KEY" > ${quote(files.key)})`,
    'export TRIVY_NO_PROGRESS=true TRIVY_SKIP_VERSION_CHECK=true TRIVY_DISABLE_TELEMETRY=true',
    `export TRIVY_CACHE_DIR=${quote(join(work, 'trivy-cache'))}`,
    `export COSIGN_PASSWORD=${quote(PASSWORD)} TUF_ROOT=${quote(join(work, 'tuf'))}`
  ]
  const pinned = `${world.registry.host}/${REPOSITORY}@`
  for (const [tool, argv, redirect] of toolCalls(files, join(work, 'trivy-cache'))) {
    const args = argv.map((arg) =>
      arg === PINNED
        ? `${quote(pinned)}"$digest"`
        : arg === DB_REPOSITORY_PLACEHOLDER
          ? quote(world.dbRepository)
          : quote(arg)
    )
    lines.push(`"$bin/${tool}" ${args.join(' ')}${redirect}`)
  }
  lines.push(`rm -rf ${quote(files.key)} "$bin"`)
  return lines.join('\n') + '\n'
}

function check(run: TimedRun, what: string): void {
  if (run.exitCode !== 0) {
    throw new Error(`${what} failed (exit ${run.exitCode}):\n${logText(run)}\n${run.stderr}`)
  }
}

/** A key pair made by the real cosign. */
async function keyPair(world: RealWorld, dir: string): Promise<string> {
  const made = await world.cosign(['generate-key-pair'], {
    cwd: dir,
    env: { COSIGN_PASSWORD: PASSWORD }
  })
  if (made.exitCode !== 0) throw new Error(`cosign generate-key-pair: ${made.stderr}`)
  return readFileSync(join(dir, 'cosign.key'), 'utf8')
}

export async function measureRealOverhead(
  world: RealWorld,
  runs: number
): Promise<RealOverheadFigures> {
  const dirs = actionDirs()
  try {
    const privateKey = await keyPair(world, dirs.root)
    const push = (tag: string) =>
      pushAlpineImage(
        world.registry,
        REPOSITORY,
        tag,
        world.advisories.release,
        IMAGE_PACKAGES.patched
      )
    const inputs = (tag: string): Record<string, string> => ({
      ...world.baseInputs,
      image: `${world.registry.host}/${REPOSITORY}:${tag}`,
      steps: 'scan,gate,sign,attest,verify',
      'fail-on': 'high',
      'cosign-key': privateKey,
      'cosign-password': PASSWORD,
      'tlog-upload': 'false'
    })
    const script = join(dirs.root, 'baseline.sh')
    writeFileSync(script, shellScript(world, dirs, await cacheAssets(join(dirs.root, 'assets'))))
    const shellEnv = {
      ...runnerEnv(dirs, inputs('warm')),
      ...OFFLINE_ENV,
      BENCH_COSIGN_KEY: privateKey
    }
    // Warm-up: fills the tool cache and both sides' trivy DB caches.
    await push('warm')
    check(await runMainStep(dirs, inputs('warm'), OFFLINE_ENV), 'the warm-up run of the action')
    check(await runTimed(['bash', script, 'warm'], { env: shellEnv }), 'the warm-up run of bash')
    const action: number[] = []
    const shell: number[] = []
    for (let i = 0; i < runs; i++) {
      const [forAction, forShell] = [`bench-a${i}`, `bench-s${i}`]
      await push(forAction)
      await push(forShell)
      // Alternate which side goes first, so a machine that slows down over time favours neither.
      for (const side of i % 2 ? ['shell', 'action'] : ['action', 'shell']) {
        if (side === 'action') {
          const run = await runMainStep(dirs, inputs(forAction), OFFLINE_ENV)
          check(run, 'the action')
          action.push(run.wallMs)
        } else {
          const run = await runTimed(['bash', script, forShell], { env: shellEnv })
          check(run, 'the bash baseline')
          shell.push(run.wallMs)
        }
      }
    }
    return {
      action: spread(action),
      shell: spread(shell),
      ratio: spread(action.map((ms, i) => ms / (shell[i] as number)))
    }
  } finally {
    removeDirs(dirs)
  }
}
