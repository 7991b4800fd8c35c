// The tools run() downloads: only those the selected steps run, and cosign whenever baseline-image
// is set (its vuln attestation is verified before the gate), even for `steps: scan,gate`.
import { afterEach, beforeEach, expect, it, jest } from '@jest/globals'
import type { Inputs } from '../../../src/inputs/inputs.js'
import type { Step } from '../../../src/types.js'

let inputs: Inputs
jest.unstable_mockModule('../../../src/inputs/get-inputs.js', () => ({ getInputs: () => inputs }))
/** Records what was asked for, then stops the pipeline (nothing is downloaded). */
const installTools = jest.fn(async (..._args: unknown[]): Promise<never> => {
  throw new Error('stopped after install')
})
jest.unstable_mockModule('../../../src/tools/install.js', () => ({ installTools }))
jest.unstable_mockModule('../../../src/pipeline/report-phase.js', () => ({
  publish: jest.fn(async () => undefined)
}))
jest.unstable_mockModule('@actions/core', () => ({
  ExitCode: { Success: 0, Failure: 1 },
  group: (_title: string, work: () => Promise<unknown>) => work(),
  info: jest.fn(),
  warning: jest.fn(),
  error: jest.fn(),
  setFailed: jest.fn(),
  getState: () => ''
}))

const { run } = await import('../../../src/main.js')

function given(steps: Step[], baseline: boolean): Inputs {
  return {
    steps: new Set(steps),
    image: { registry: 'ghcr.io', repository: 'acme/api', tag: 'pr-7' },
    imageSource: { kind: 'registry' },
    baselineImage: baseline
      ? { registry: 'ghcr.io', repository: 'acme/api', tag: 'main' }
      : undefined,
    trivy: { version: '0.74.0' },
    cosign: { version: '3.0.6' },
    downloadBaseUrl: undefined
  } as unknown as Inputs
}

/** The tools run() asked installTools for. */
async function installed(steps: Step[], baseline: boolean): Promise<string[]> {
  inputs = given(steps, baseline)
  await run()
  const [wanted] = installTools.mock.calls.at(-1) as [Record<string, unknown>]
  return Object.entries(wanted)
    .filter(([, pin]) => pin !== undefined)
    .map(([tool]) => tool)
}

beforeEach(() => {
  installTools.mockClear()
})
// run() sets the exit code of the stopped pipeline; the test runner's must stay its own.
afterEach(() => {
  process.exitCode = undefined
})

it('installs cosign for a baseline even when the steps are only scan and gate', async () => {
  expect(await installed(['scan', 'gate'], true)).toEqual(['trivy', 'cosign'])
})

it('installs only trivy for scan and gate without a baseline', async () => {
  expect(await installed(['scan', 'gate'], false)).toEqual(['trivy'])
})
