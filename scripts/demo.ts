// `npm run demo [-- <fail-on>]`: runs the bundled action (dist/, under Node 24) end to end on this
// machine, the way a GitHub runner would, and prints its log, outputs, tool calls and job summary.
//
// With the real trivy and cosign built (scripts/build-real-tools.sh, which setup.sh runs) it uses
// them: served from a local release mirror on 127.0.0.1 under a version of their own, a real
// registry on loopback holding an Alpine image, and this project's own offline vulnerability DB in
// that registry. Otherwise it says so and uses the stand-ins (test doubles that follow the real CLIs;
// findings from a real trivy report): nothing is then a real scan or a real signature.
//
// The default (`fail-on: critical`) passes and runs the whole pipeline: scan, gate, sign, attest,
// verify. The image's worst finding is HIGH, so `npm run demo -- high` shows a failing gate.
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  IMAGE_PACKAGES,
  pushAlpineImage,
  type ApkPackage
} from '../__tests__/harness/real/alpine-images.js'
import { realToolsBuilt } from '../__tests__/harness/real/tools.js'
import { startRealWorld } from '../__tests__/harness/real/world.js'
import type { ActionRun } from '../__tests__/harness/runner.js'
import { banner, printRun, runStandinDemo } from './demo-standins.js'

const PASSWORD = 'demo-password'
const failOn = process.argv[2] ?? 'critical'

/**
 * The patched image with last month's busybox: one fixable HIGH finding (and the unfixed LOW and
 * UNKNOWN ones every build has), so `critical` passes and `high` fails.
 */
const DEMO_PACKAGES: ApkPackage[] = IMAGE_PACKAGES.patched.map((p) =>
  p.origin === 'busybox' ? { ...p, version: '1.37.0-r18' } : p
)

function printSummary(run: ActionRun): void {
  banner('job summary (Markdown, as GITHUB_STEP_SUMMARY received it)')
  console.log(run.summary)
  console.log(
    `SARIF: ${run.outputs['sarif-file']}\ntrivy JSON report: ${run.outputs['report-file']}`
  )
}

async function realDemo(): Promise<void> {
  banner('DEMO with the REAL trivy and cosign (built from their Go modules), offline on loopback')
  const world = await startRealWorld()
  try {
    const pushed = await pushAlpineImage(
      world.registry,
      'team/app',
      'demo',
      world.advisories.release,
      DEMO_PACKAGES
    )
    const keys = mkdtempSync(join(tmpdir(), 'imgsec-demo-keys-'))
    const generated = await world.cosign(['generate-key-pair'], {
      cwd: keys,
      env: { COSIGN_PASSWORD: PASSWORD }
    })
    if (generated.exitCode !== 0) throw new Error(`cosign generate-key-pair: ${generated.stderr}`)
    const image = `${world.registry.host}/team/app:demo`
    const inputs = {
      image,
      steps: 'scan,gate,sign,attest,verify',
      'fail-on': failOn,
      'cosign-key': readFileSync(join(keys, 'cosign.key'), 'utf8'),
      'cosign-password': PASSWORD,
      // No transparency log can run here; the verification says it did not check one.
      'tlog-upload': 'false'
    }
    console.log(`image: ${image} (digest ${pushed.digest})`)
    console.log(
      `tools: trivy ${world.baseInputs['trivy-version']}, cosign ${world.baseInputs['cosign-version']}`
    )
    console.log(`vulnerability DB: ${world.dbRepository} (this project's own advisories)`)
    console.log(`steps: ${inputs.steps}, fail-on: ${failOn} (npm run demo -- <fail-on>)`)
    const run = await world.run(inputs)
    printRun(run)
    printSummary(run)
  } finally {
    await world.stop()
  }
}

if (realToolsBuilt()) {
  await realDemo()
} else {
  banner(
    'the real trivy and cosign are not built (bash scripts/build-real-tools.sh): using STAND-INS, ' +
      'with a report whose worst finding is MEDIUM (npm run demo -- medium fails the gate)'
  )
  const run = await runStandinDemo(failOn, PASSWORD)
  printSummary(run)
}
