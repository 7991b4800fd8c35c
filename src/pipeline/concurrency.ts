// Bounded parallelism for the per-platform tool calls: at most `limit` at a time, and every call
// settles before the caller sees a failure, so no tool is still running when the reports are made.

/** Runs `work` on each item, at most `limit` at once; results in the items' order, or the first failure. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>
): Promise<R[]> {
  const settled: PromiseSettledResult<R>[] = new Array(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++
      try {
        settled[index] = { status: 'fulfilled', value: await work(items[index] as T, index) }
      } catch (reason) {
        settled[index] = { status: 'rejected', reason }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
  const failure = settled.find((result) => result.status === 'rejected')
  if (failure) throw failure.reason
  return settled.map((result) => (result as PromiseFulfilledResult<R>).value)
}
