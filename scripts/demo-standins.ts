// The demo's fallback when the real tools are not built: the stand-in trivy and cosign from a local
// mirror, a real registry on loopback, findings from a real trivy report whose worst is MEDIUM. Nothing
// here is a real scan or a real signature; the demo labels it so.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { STANDIN_DIR, TRIVY_FIXTURES_DIR } from '../__tests__/harness/paths.js'
import type { ActionRun } from '../__tests__/harness/runner.js'
import { startWorld } from '../__tests__/harness/world.js'

/** A real trivy report (trivy's integration test of Alpine 3.10): four MEDIUM findings. */
const REPORT = join(TRIVY_FIXTURES_DIR, 'alpine-310.json')

export const banner = (text: string): void => console.log(`\n===== ${text} =====`)

export function printRun(run: ActionRun): void {
  banner('the action’s log (what the workflow log shows)')
  process.stdout.write(run.stdout.replace(/^::(add-mask|debug)::.*\n/gm, ''))
  banner(`exit code ${run.exitCode}; outputs`)
  for (const [name, value] of Object.entries(run.outputs)) console.log(`${name}=${value}`)
}

export async function runStandinDemo(failOn: string, password: string): Promise<ActionRun> {
  const world = await startWorld()
  try {
    const keys = mkdtempSync(join(tmpdir(), 'imgsec-demo-keys-'))
    execFileSync(process.execPath, [join(STANDIN_DIR, 'cosign.mjs'), 'generate-key-pair'], {
      cwd: keys,
      env: { ...process.env, COSIGN_PASSWORD: password, IMGSEC_STANDIN_LOG: '' }
    })
    const inputs = {
      steps: 'scan,gate,sign,attest,verify',
      'fail-on': failOn,
      'cosign-key': readFileSync(join(keys, 'cosign.key'), 'utf8'),
      'cosign-password': password
    }
    console.log(`image: ${world.image} (digest ${world.pushed.digest})`)
    console.log(`steps: ${inputs.steps}, fail-on: ${failOn} (npm run demo -- <fail-on>)`)
    const run = await world.run(inputs, { env: { STANDIN_TRIVY_REPORT: REPORT } })
    printRun(run)
    banner('stand-in tool calls the action made')
    for (const call of world.calls(run)) console.log(`${call.tool} ${call.argv.join(' ')}`)
    return run
  } finally {
    await world.stop()
  }
}
