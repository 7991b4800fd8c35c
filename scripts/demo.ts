// `npm run demo`: runs the bundled action (dist/, under Node 24) end to end on this machine, the way
// a GitHub runner would, on an embedded default world:
//   - a LOCAL release mirror on 127.0.0.1 serving STAND-IN trivy and cosign (test doubles that
//     follow the real CLIs' flags and outputs; the findings come from a real trivy report fixture),
//   - a real registry (Debian's docker-registry) on 127.0.0.1 holding an image built with umoci,
//   - a key pair made by the stand-in cosign.
// Nothing here is a real scan or a real signature; it shows what the action does and writes.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { STANDIN_DIR, TRIVY_FIXTURES_DIR } from '../__tests__/harness/paths.js'
import { startWorld } from '../__tests__/harness/world.js'

const PASSWORD = 'demo-password'
const banner = (text: string): void => console.log(`\n===== ${text} =====`)

banner('DEMO: stand-in trivy and cosign from a local mirror, a real registry on loopback')
const world = await startWorld()
try {
  const keys = mkdtempSync(join(tmpdir(), 'imgsec-demo-keys-'))
  execFileSync(process.execPath, [join(STANDIN_DIR, 'cosign.mjs'), 'generate-key-pair'], {
    cwd: keys,
    env: { ...process.env, COSIGN_PASSWORD: PASSWORD, IMGSEC_STANDIN_LOG: '' }
  })
  const inputs = {
    steps: 'scan,gate,sign,attest,verify',
    'fail-on': process.argv[2] ?? 'critical',
    'cosign-key': readFileSync(join(keys, 'cosign.key'), 'utf8'),
    'cosign-password': PASSWORD
  }
  console.log(`image: ${world.image} (digest ${world.pushed.digest})`)
  console.log(`steps: ${inputs.steps}, fail-on: ${inputs['fail-on']} (npm run demo -- <fail-on>)`)
  const run = await world.run(inputs, {
    env: { STANDIN_TRIVY_REPORT: join(TRIVY_FIXTURES_DIR, 'alpine-39.json') }
  })
  banner('the action’s log (what the workflow log shows)')
  process.stdout.write(run.stdout.replace(/^::(add-mask|debug)::.*\n/gm, ''))
  banner(`exit code ${run.exitCode}; outputs`)
  for (const [name, value] of Object.entries(run.outputs)) console.log(`${name}=${value}`)
  banner('tool calls the action made')
  for (const call of world.calls(run)) console.log(`${call.tool} ${call.argv.join(' ')}`)
  banner('job summary (Markdown, as GITHUB_STEP_SUMMARY received it)')
  console.log(run.summary)
  console.log(
    `SARIF: ${run.outputs['sarif-file']}\ntrivy JSON report: ${run.outputs['report-file']}`
  )
} finally {
  await world.stop()
}
