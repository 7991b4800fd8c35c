// The one answer to "is this HTTP failure worth another attempt?", and the bounded retry loop built
// on it. Release downloads and the SARIF upload both use it, so a 429 or a dropped connection is
// treated the same way everywhere.

/** Bounded retry of transient failures; the backoff doubles after each attempt. */
export interface RetryPolicy {
  attempts: number
  backoffMs: number
}

/** A status the server may answer differently in a moment: overloaded, rate-limited or timed out. */
export function isTransientStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429
}

/**
 * Runs `operation` until it succeeds, `isTransient(error)` says the failure is final, or the policy's
 * attempts are spent; the last error is rethrown as it was, with the attempt number beside it.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  operation: (attempt: number) => Promise<T>,
  retryable: {
    isTransient: (error: unknown) => boolean
    onRetry?: (error: unknown, attempt: number, delayMs: number) => void
  }
): Promise<T> {
  let delay = policy.backoffMs
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt)
    } catch (error) {
      if (attempt >= policy.attempts || !retryable.isTransient(error)) {
        throw new RetryError(error, attempt)
      }
      retryable.onRetry?.(error, attempt, delay)
      await new Promise((resolve) => setTimeout(resolve, delay))
      delay *= 2
    }
  }
}

/** The final failure of `withRetries`: `cause` is the error of the last attempt. */
export class RetryError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly attempts: number
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause })
  }
}
