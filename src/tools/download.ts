// Downloads of release files over HTTP, with the bounded retry of transient failures that
// transient-http.ts owns. @actions/tool-cache's downloadTool retries too, but sleeps a hard-coded
// 10-20 s between attempts; a short, bounded backoff of our own keeps a flaky mirror from stalling
// the job.
import * as core from '@actions/core'
import { HttpClient } from '@actions/http-client'
import { createWriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import { isTransientStatus, RetryError, withRetries, type RetryPolicy } from './transient-http.js'

export type { RetryPolicy }
export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, backoffMs: 1000 }

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    url: string
  ) {
    super(`HTTP ${status} from ${url}`)
  }
}

const http = new HttpClient('imgsec-action', [], { allowRetries: false, socketTimeout: 60_000 })

/** Downloads `url` to `dest`, retrying transient failures; a 404 throws `notFound` plus the URL. */
export async function downloadFile(
  url: string,
  dest: string,
  retry: RetryPolicy,
  notFound: string
): Promise<void> {
  const once = async (): Promise<void> => {
    try {
      const response = await http.get(url)
      const status = response.message.statusCode ?? 0
      if (status !== 200) {
        response.message.resume()
        throw new HttpStatusError(status, url)
      }
      await pipeline(response.message, createWriteStream(dest))
    } catch (error) {
      await rm(dest, { force: true })
      throw error
    }
  }
  await withRetries(retry, once, {
    // Anything that is not an HTTP answer is a connection refused or reset, or a premature close.
    isTransient: (error) => !(error instanceof HttpStatusError) || isTransientStatus(error.status),
    onRetry: (error, _attempt, delay) =>
      core.info(`Download of ${url} failed (${messageOf(error)}); retrying in ${delay} ms`)
  }).catch((error: RetryError) => {
    const last = error.cause
    if (last instanceof HttpStatusError && last.status === 404) {
      throw new Error(`${notFound} (404 from ${url})`, { cause: last })
    }
    throw new Error(`Could not download ${url} (attempt ${error.attempts}): ${messageOf(last)}`, {
      cause: last
    })
  })
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
