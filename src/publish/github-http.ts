// Reading the errors Octokit throws, for the two GitHub API clients (SARIF upload, pull-request
// comment): which ones are worth another attempt, and how to say what GitHub answered.
import { isTransientStatus } from '../tools/transient-http.js'

export interface HttpError {
  status: number
  message: string
  response?: { data?: unknown }
}

/** An Octokit RequestError (or lookalike): `status` 500 with no `response` is a network error. */
export function isHttpError(error: unknown): error is HttpError {
  return error instanceof Error && typeof (error as Partial<HttpError>).status === 'number'
}

/** A network error (no response) or a status that may change on the next attempt. */
export function isTransient(error: unknown): boolean {
  if (!isHttpError(error)) return false
  return error.response === undefined || isTransientStatus(error.status)
}

/** `HTTP 403: Resource not accessible by integration`, or `no response: …`. */
export function httpSummary(error: unknown): string {
  if (!isHttpError(error)) return error instanceof Error ? error.message : String(error)
  if (error.response === undefined) return `no response: ${error.message}`
  return `HTTP ${error.status}: ${githubMessage(error)}`
}

/** GitHub's own `message` field, without the documentation URL Octokit appends. */
export function githubMessage(error: HttpError): string {
  const data = error.response?.data
  if (data && typeof data === 'object' && 'message' in data) return String(data.message)
  return error.message
}
