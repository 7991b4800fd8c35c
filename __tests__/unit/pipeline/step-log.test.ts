// What the summary's step table shows: each selected step's status and reason, in pipeline order.
import { describe, expect, it } from '@jest/globals'
import { StepLog } from '../../../src/pipeline/step-log.js'

describe('StepLog', () => {
  it('lists the selected steps in pipeline order, whatever order they ran or were skipped in', async () => {
    const log = new StepLog(new Set(['verify', 'scan', 'sign', 'gate'] as const))
    log.skip('sign', 'gate failed')
    await log.run('scan', async () => 1)
    await log.run(
      'gate',
      async () => 'failed' as const,
      (verdict) => verdict
    )
    expect(log.all().map(({ step, status, reason }) => [step, status, reason])).toEqual([
      ['scan', 'passed', undefined],
      ['gate', 'failed', undefined],
      ['sign', 'skipped', 'gate failed'],
      ['verify', 'skipped', 'an earlier step failed']
    ])
  })

  it('marks a step that threw as error and passes the error on', async () => {
    const log = new StepLog(new Set(['scan'] as const))
    const crash = new Error('trivy crashed')
    await expect(log.run('scan', () => Promise.reject(crash))).rejects.toBe(crash)
    expect(log.all()).toEqual([
      { step: 'scan', status: 'error', durationMs: expect.any(Number), reason: 'the tool failed' }
    ])
  })

  it('ignores a skip of a step that was not selected', () => {
    const log = new StepLog(new Set(['scan'] as const))
    log.skip('sign', 'gate failed')
    expect(log.all('never ran').map((r) => r.step)).toEqual(['scan'])
    expect(log.isSelected('sign')).toBe(false)
  })
})
