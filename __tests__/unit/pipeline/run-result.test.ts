// How a run ends, in the words a user reads: a crash is never a verdict, a failed gate names what
// failed and what was not done, a failed verification names the image.
import { describe, expect, it } from '@jest/globals'
import { failureMessages, gateOutput, imageLabel } from '../../../src/pipeline/run-result.js'
import { ToolError } from '../../../src/errors.js'
import type { ImageTarget } from '../../../src/types.js'
import {
  DIGEST,
  IMAGE,
  INDEX_IMAGE,
  finding,
  platformDigest,
  runState,
  scanned,
  scannedIndex
} from './run-state-fixture.js'

describe('gateOutput', () => {
  it('is error when a scan was asked for and gave no report, never a verdict', () => {
    expect(gateOutput(runState(['scan', 'gate']))).toBe('error')
  })

  it('is the verdict when the gate ran, and skipped when it was not selected', () => {
    expect(gateOutput(scanned(runState(['scan', 'gate']), [finding('CVE-1', 'CRITICAL')]))).toBe(
      'failed'
    )
    expect(gateOutput(scanned(runState(['scan', 'gate']), [finding('CVE-1', 'LOW')]))).toBe(
      'passed'
    )
    expect(gateOutput(scanned(runState(['scan']), [finding('CVE-1', 'CRITICAL')]))).toBe('skipped')
    expect(gateOutput(runState(['verify']))).toBe('skipped')
  })
})

describe('failureMessages', () => {
  it('is empty for a run that passed', () => {
    expect(failureMessages(scanned(runState(['scan', 'gate']), [finding('CVE-1', 'LOW')]))).toEqual(
      []
    )
  })

  it('names the image by digest, the failing counts, the threshold and the steps not done', () => {
    const state = scanned(runState(['scan', 'gate', 'sign', 'attest'], 'HIGH'), [
      finding('CVE-1', 'CRITICAL'),
      finding('CVE-2', 'HIGH'),
      finding('CVE-3', 'LOW')
    ])
    const [message, ...rest] = failureMessages(state)
    expect(rest).toEqual([])
    expect(message).toContain(`Gate failed for ${IMAGE.pinnedRef}`)
    expect(message).toContain('at or above fail-on: high')
    expect(message).toContain('Not done: sign and attest.')
  })

  it('says a tool stopped the run, apart from any verdict', () => {
    const state = runState(['scan', 'gate'])
    state.failure = new ToolError('trivy could not scan the image', 'FATAL db download failed')
    const messages = failureMessages(state)
    expect(messages).toHaveLength(1)
    expect(messages[0]).toMatch(
      /^imgsec-action stopped: trivy could not scan the image\n.*db download failed/
    )
  })

  it('names the image whose verification failed, with the reason', () => {
    const state = runState(['verify'])
    state.image = IMAGE
    const target = { platform: 'linux/amd64', digest: DIGEST, ref: IMAGE.pinnedRef }
    state.verify = {
      verified: false,
      images: [
        { target, verified: false, checks: [], failure: 'no valid signature by key SHA256:x' }
      ]
    }
    expect(failureMessages(state)).toEqual([
      `Verification failed for ${IMAGE.pinnedRef}: no valid signature by key SHA256:x`
    ])
  })

  it('adds the report parts that failed after the rest', () => {
    const state = scanned(runState(['scan', 'gate']), [finding('CVE-1', 'LOW')])
    state.reportFailures.push('SARIF upload failed: 403')
    expect(failureMessages(state)).toEqual(['SARIF upload failed: 403'])
  })
})

describe('failureMessages for a multi-platform image', () => {
  it('names each failing platform with its own counts, and how many of the platforms failed', () => {
    const state = scannedIndex(runState(['scan', 'gate', 'sign']), [
      [finding('CVE-1', 'LOW')],
      [finding('CVE-2', 'CRITICAL'), finding('CVE-3', 'CRITICAL')],
      [finding('CVE-2', 'CRITICAL'), finding('CVE-4', 'HIGH')]
    ])
    const [message, ...rest] = failureMessages(state)
    expect(rest).toEqual([])
    expect(message).toContain(
      `Gate failed for ${INDEX_IMAGE.pinnedRef} on linux/arm64 (2 critical) and linux/arm/v7 ` +
        '(1 critical, 1 high), 2 of 3 platforms, at or above fail-on: high.'
    )
    expect(message).not.toContain('linux/amd64')
    expect(message).toContain('Not done: sign.')
  })

  it('names the platform and digest of each image that did not verify, and why', () => {
    const state = scannedIndex(runState(['scan', 'gate', 'sign', 'verify']), [[], [], []])
    const [amd64, arm64, armv7] = state.plan!.targets as [ImageTarget, ImageTarget, ImageTarget]
    state.verify = {
      verified: false,
      images: [
        { target: state.plan!.index!, verified: true, checks: [] },
        { target: amd64, verified: true, checks: [] },
        { target: arm64, verified: false, checks: [], failure: 'no signatures found' },
        { target: armv7, verified: false, checks: [], failure: 'certificate identity mismatch' }
      ]
    }
    expect(failureMessages(state)).toEqual([
      [
        `Verification failed for ${INDEX_IMAGE.pinnedRef} on 2 of 4 images:`,
        `  linux/arm64 (ghcr.io/acme/api@${platformDigest(1)}): no signatures found`,
        `  linux/arm/v7 (ghcr.io/acme/api@${platformDigest(2)}): certificate identity mismatch`
      ].join('\n')
    ])
  })
})

describe('imageLabel', () => {
  it('is the input reference before resolution and the pinned reference after', () => {
    const state = runState(['scan'])
    expect(imageLabel(state)).toBe('ghcr.io/acme/api:v1')
    state.image = IMAGE
    expect(imageLabel(state)).toBe(IMAGE.pinnedRef)
  })
})
