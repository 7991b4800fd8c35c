import { expect, it } from '@jest/globals'
import { startMirror } from './harness/mirror.js'
import { runAction, warningLines, cleanupRuns } from './harness/runner.js'
it('bundled install via runner', async () => {
  const mirror = await startMirror({ trivy: ['0.73.1'], cosign: ['3.0.5'] })
  mirror.setFault({ kind: 'status', times: 1, asset: 'cosign-linux-amd64' }, { kind: 'reset', asset: 'trivy_0.73.1_Linux-64bit.tar.gz' })
  const run = await runAction({ inputs: { 'trivy-version': '0.73.1', 'cosign-version': '3.0.5', 'download-base-url': mirror.baseUrl }, scripts: { main: '/tmp/imgsec-smoke/out/index.js', post: '/tmp/imgsec-smoke/post.mjs' } })
  console.log(run.stdout, run.stderr, run.outputs, run.post)
  expect(run.exitCode).toBe(0)
  expect(warningLines(run).length).toBe(2)
  const again = await runAction({ toolCache: run.toolCache, inputs: { 'trivy-version': '0.73.1', 'cosign-version': '3.0.5', 'download-base-url': mirror.baseUrl }, scripts: { main: '/tmp/imgsec-smoke/out/index.js', post: '/tmp/imgsec-smoke/post.mjs' } })
  console.log(again.stdout, mirror.requests)
  await mirror.stop(); cleanupRuns()
})
