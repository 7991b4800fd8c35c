// Cold install: both tools downloaded at once from the mirror throttled to a fixed bandwidth per
// connection (as on a link where each download is capped, not the sum), against each tool alone.
// Timed through the bundled action with an empty tool cache, from the "Install tools" group's
// opening log line to its closing one, so the figure is the install and nothing else.
import { assetName, currentPlatform, type Tool } from '../src/tools/releases.js'
import { COSIGN_VERSION, TRIVY_VERSION, type World } from '../__tests__/harness/world.js'
import { actionDirs, groupMs, removeDirs, runMainStep } from './action-process.js'
import type { KeyPair } from './keys.js'
import { spread, type Spread } from './stats.js'

export interface ColdInstallFigures {
  /** Bytes per second per connection. */
  bandwidth: number
  assetBytes: Record<Tool, number>
  both: Spread
  trivy: Spread
  cosign: Spread
  /** Per repetition: both / the slower of the two alone. */
  ratio: Spread
}

const VERSIONS: Record<Tool, string> = { trivy: TRIVY_VERSION, cosign: COSIGN_VERSION }

function assetBytes(world: World, tool: Tool): number {
  const asset = assetName(tool, VERSIONS[tool], currentPlatform())
  const bytes = asset && world.mirror.release(tool, VERSIONS[tool]).files.get(asset)
  if (!bytes) throw new Error(`the mirror serves no ${tool} asset for this platform`)
  return bytes.length
}

/** Installs with an empty tool cache for the given steps; returns the install group's time. */
async function coldInstall(
  world: World,
  steps: string,
  extra: Record<string, string>
): Promise<number> {
  const dirs = actionDirs()
  try {
    const run = await runMainStep(dirs, {
      image: world.image,
      steps,
      'fail-on': 'none',
      'trivy-version': TRIVY_VERSION,
      'cosign-version': COSIGN_VERSION,
      'download-base-url': world.mirror.baseUrl,
      'cache-db': 'false',
      ...world.sigstoreInput(dirs.runnerTemp),
      ...extra
    })
    return groupMs(run, 'Install tools')
  } finally {
    removeDirs(dirs)
  }
}

export async function measureColdInstall(
  world: World,
  runs: number,
  keys: KeyPair
): Promise<ColdInstallFigures> {
  const sizes = { trivy: assetBytes(world, 'trivy'), cosign: assetBytes(world, 'cosign') }
  // The larger asset takes about one second alone; the checksums files are small beside it.
  const bandwidth = Math.max(sizes.trivy, sizes.cosign)
  world.mirror.setThrottle(bandwidth)
  try {
    const both: number[] = []
    const trivy: number[] = []
    const cosign: number[] = []
    for (let i = 0; i < runs; i++) {
      both.push(
        await coldInstall(world, 'scan,gate,sign,verify', {
          'cosign-key': keys.privateKey,
          'cosign-password': keys.password
        })
      )
      // scan alone installs only trivy; verify alone only cosign (its verdict does not matter here).
      trivy.push(await coldInstall(world, 'scan,gate', {}))
      cosign.push(await coldInstall(world, 'verify', { 'cosign-public-key': keys.publicKey }))
    }
    return {
      bandwidth,
      assetBytes: sizes,
      both: spread(both),
      trivy: spread(trivy),
      cosign: spread(cosign),
      ratio: spread(both.map((ms, i) => ms / Math.max(trivy[i] as number, cosign[i] as number)))
    }
  } finally {
    world.mirror.setThrottle()
  }
}
