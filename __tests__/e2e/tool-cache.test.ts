// The tool cache as self-hosted runners share it between jobs: whatever a job finds there is
// verified again before anything runs. A binary planted by an earlier job (with its `.complete`
// marker, as @actions/tool-cache writes it) must never run, whatever the inputs.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256 } from '../harness/assets.js'
import { startMirror, type Mirror } from '../harness/mirror.js'
import { cleanupRuns, errorLines, warningLines } from '../harness/runner.js'
import { startWorld, TRIVY_VERSION, type World } from '../harness/world.js'
import { PINS } from '../../src/tools/releases.js'

const PINNED = PINS.trivy.version
const asset = (version: string): string => `trivy_${version}_Linux-64bit.tar.gz`

let world: World
let pinnedMirror: Mirror
beforeAll(async () => {
  world = await startWorld()
  // Stand-in bytes under the pinned version's name: only the embedded SHA-256 can tell.
  pinnedMirror = await startMirror({ trivy: [PINNED] })
})
afterAll(async () => {
  await Promise.all([world.stop(), pinnedMirror.stop()])
  cleanupRuns()
})

/** A tool cache whose trivy/<version>/x64 holds what an attacker put there; `marker` shows a run. */
function plantedCache(
  version: string,
  form: 'binary' | 'asset'
): { toolCache: string; marker: string } {
  const root = mkdtempSync(join(tmpdir(), 'imgsec-planted-'))
  const marker = join(root, 'planted-trivy-ran')
  const toolCache = join(root, 'tool-cache')
  const dir = join(toolCache, 'trivy', version, 'x64')
  mkdirSync(dir, { recursive: true })
  const script = `#!/bin/sh\necho ran > '${marker}'\necho 'Version: ${version}'\n`
  if (form === 'binary') {
    writeFileSync(join(dir, 'trivy'), script)
    chmodSync(join(dir, 'trivy'), 0o755)
  } else {
    const tree = join(root, 'tree')
    mkdirSync(tree)
    writeFileSync(join(tree, 'trivy'), script)
    chmodSync(join(tree, 'trivy'), 0o755)
    execFileSync('tar', ['-czf', join(dir, asset(version)), '-C', tree, 'trivy'])
  }
  writeFileSync(`${dir}.complete`, '')
  return { toolCache, marker }
}

describe('a binary planted in the tool cache', () => {
  it('never runs under the pinned version with default inputs', async () => {
    const { toolCache, marker } = plantedCache(PINNED, 'binary')
    const run = await world.run(
      { steps: 'scan,gate', 'trivy-version': PINNED, 'download-base-url': pinnedMirror.baseUrl },
      { toolCache }
    )
    expect(existsSync(marker)).toBe(false)
    expect(run.exitCode).not.toBe(0)
    expect(errorLines(run).join('\n')).toContain(PINS.trivy.sha256[asset(PINNED)] as string)
    expect(run.outputs['gate']).toBe('error')
  })

  it('never runs as a planted release asset either: a correct trivy-sha256 is honoured and the release re-installed', async () => {
    const { toolCache, marker } = plantedCache(TRIVY_VERSION, 'asset')
    const genuine = world.mirror
      .release('trivy', TRIVY_VERSION)
      .files.get(asset(TRIVY_VERSION)) as Buffer
    const run = await world.run(
      { steps: 'scan,gate', 'fail-on': 'none', 'trivy-sha256': sha256(genuine) },
      { toolCache }
    )
    expect(existsSync(marker)).toBe(false)
    expect(run.exitCode).toBe(0)
    expect(warningLines(run).join('\n')).toMatch(
      new RegExp(`trivy ${TRIVY_VERSION} in the tool cache failed verification .*SHA-256 mismatch`)
    )
    expect(world.calls(run).some((call) => call.tool === 'trivy')).toBe(true)
    // The cache now holds the genuine asset again.
    const cachedAsset = join(toolCache, 'trivy', TRIVY_VERSION, 'x64', asset(TRIVY_VERSION))
    expect(readFileSync(cachedAsset)).toEqual(genuine)
  })

  it('never runs as a planted asset of a signed release: its Sigstore bundle decides', async () => {
    const { toolCache, marker } = plantedCache(TRIVY_VERSION, 'asset')
    const run = await world.run({ steps: 'scan,gate', 'fail-on': 'none' }, { toolCache })
    expect(existsSync(marker)).toBe(false)
    expect(run.exitCode).toBe(0)
    expect(warningLines(run).join('\n')).toMatch(/in the tool cache failed verification/)
  })
})
