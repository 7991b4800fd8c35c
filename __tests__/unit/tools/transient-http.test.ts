// The one owner of "is this HTTP failure worth another attempt": which statuses, how many attempts,
// and what the caller gets when they are spent.
import { describe, expect, it } from '@jest/globals'
import { isTransientStatus, RetryError, withRetries } from '../../../src/tools/transient-http.js'

describe('isTransientStatus', () => {
  it.each([
    [500, true],
    [502, true],
    [503, true],
    [408, true],
    [429, true],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [422, false]
  ])('%i -> %s', (status, transient) => {
    expect(isTransientStatus(status)).toBe(transient)
  })
})

describe('withRetries', () => {
  const policy = { attempts: 3, backoffMs: 1 }
  const transient = { isTransient: () => true }

  it('returns the first success after transient failures, with a doubling wait in between', async () => {
    const waits: number[] = []
    let calls = 0
    const result = await withRetries(
      policy,
      async () => {
        if (++calls < 3) throw new Error(`busy ${calls}`)
        return 'done'
      },
      { isTransient: () => true, onRetry: (_e, _attempt, delay) => waits.push(delay) }
    )
    expect(result).toBe('done')
    expect(waits).toEqual([1, 2])
  })

  it('gives up after the policy attempts with the last error as cause', async () => {
    let calls = 0
    const error = await withRetries(
      policy,
      async () => {
        throw new Error(`failure ${++calls}`)
      },
      transient
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RetryError)
    expect((error as RetryError).attempts).toBe(3)
    expect(((error as RetryError).cause as Error).message).toBe('failure 3')
  })

  it('does not retry a failure that is not transient', async () => {
    let calls = 0
    const error = await withRetries(
      policy,
      async () => {
        calls++
        throw new Error('404')
      },
      { isTransient: () => false }
    ).catch((e: unknown) => e as RetryError)
    expect(calls).toBe(1)
    expect(error.attempts).toBe(1)
  })
})
