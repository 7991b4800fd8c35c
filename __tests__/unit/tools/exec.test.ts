// The one seam through which tools run: argv only (no shell), and none of the action's inputs.
import { afterEach, describe, expect, it } from '@jest/globals'
import { runTool } from '../../../src/tools/exec.js'

const printEnv = ['-e', 'process.stdout.write(JSON.stringify(process.env))']

describe('runTool', () => {
  afterEach(() => {
    delete process.env['INPUT_COSIGN-PASSWORD']
    delete process.env['IMGSEC_EXEC_TEST']
  })

  it('keeps the action’s inputs (passwords among them) out of the tool’s environment', async () => {
    process.env['INPUT_COSIGN-PASSWORD'] = 'hunter2'
    process.env['IMGSEC_EXEC_TEST'] = 'inherited'
    const result = await runTool(process.execPath, printEnv, {
      env: { COSIGN_PASSWORD: 'meant-for-cosign' },
      silent: true
    })
    const env = JSON.parse(result.stdout) as Record<string, string>
    expect(env['INPUT_COSIGN-PASSWORD']).toBeUndefined()
    expect(env['IMGSEC_EXEC_TEST']).toBe('inherited')
    expect(env['COSIGN_PASSWORD']).toBe('meant-for-cosign')
  })

  it('passes arguments as they are, never through a shell', async () => {
    const tricky = '$(touch /tmp/imgsec-pwned); `id` | cat > x'
    const result = await runTool(
      process.execPath,
      ['-e', 'process.stdout.write(process.argv[1])', tricky],
      { silent: true }
    )
    expect(result.stdout).toBe(tricky)
  })

  it('returns a failing exit code instead of throwing', async () => {
    const result = await runTool(process.execPath, ['-e', 'process.exit(3)'], { silent: true })
    expect(result.exitCode).toBe(3)
  })
})
