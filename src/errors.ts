// Error types that decide how a failure reads to the user. Lower layers throw these (or plain
// Errors with a `cause`); only src/main.ts decides the step's outcome from them (src/post.ts only
// warns: cleanup never fails a job).

/** A bad input value: reported as one line naming the input, never with a stack trace. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    problem: string
  ) {
    super(`Input '${input}': ${problem}`)
    this.name = 'InputError'
  }
}

/**
 * A tool that crashed or could not produce what we asked for (as opposed to a gate that failed on
 * findings). `detail` carries the end of the tool's stderr.
 */
export class ToolError extends Error {
  constructor(
    message: string,
    readonly detail?: string,
    options?: { cause?: unknown }
  ) {
    super(detail ? `${message}\n${detail}` : message, options)
    this.name = 'ToolError'
  }
}

/** The message of any thrown value, with its causes, on one line each. */
export function describeError(error: unknown): string {
  const lines: string[] = []
  let current: unknown = error
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    if (current instanceof Error) {
      if (!lines.includes(current.message)) lines.push(current.message)
      current = current.cause
    } else {
      lines.push(String(current))
      break
    }
  }
  return lines.join('\n  caused by: ')
}
