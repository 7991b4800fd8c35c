// mapBounded: the per-platform tool calls, a few at a time, results in the platforms' order, and no
// call still running when the caller sees a failure.
import { describe, expect, it } from '@jest/globals'
import { mapBounded } from '../../../src/pipeline/concurrency.js'

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('mapBounded', () => {
  it('never runs more than the limit at once, and runs that many when it can', async () => {
    let running = 0
    let most = 0
    await mapBounded([1, 2, 3, 4, 5, 6, 7, 8, 9], 4, async () => {
      running++
      most = Math.max(most, running)
      await tick(5)
      running--
    })
    expect(most).toBe(4)
  })

  it('returns the results in the order of the items, whatever order they finish in', async () => {
    const delays = [30, 1, 15, 5]
    const finished: number[] = []
    const results = await mapBounded(delays, 4, async (delay, index) => {
      await tick(delay)
      finished.push(index)
      return `item ${index}`
    })
    expect(finished).not.toEqual([0, 1, 2, 3])
    expect(results).toEqual(['item 0', 'item 1', 'item 2', 'item 3'])
  })

  it('lets every call settle before it throws the first failure (in item order)', async () => {
    const settled: number[] = []
    const error = await mapBounded([0, 1, 2, 3], 2, async (item) => {
      await tick(item === 3 ? 1 : 10 * (item + 1))
      settled.push(item)
      if (item === 1 || item === 3) throw new Error(`item ${item} failed`)
      return item
    }).catch((e: unknown) => e)
    expect((error as Error).message).toBe('item 1 failed')
    expect([...settled].sort()).toEqual([0, 1, 2, 3])
  })
})
