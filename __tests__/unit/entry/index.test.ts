// The main entry as the runner sees it when something escapes run(): one error line and a failed
// step, never Node's stack trace of an unhandled rejection.
import { afterEach, expect, it, jest } from '@jest/globals'

afterEach(() => {
  jest.restoreAllMocks()
  process.exitCode = undefined
})

it('turns a failure that escapes run() into one error line without a stack trace', async () => {
  const escaped = new Error('could not write GITHUB_OUTPUT', { cause: new Error('EISDIR') })
  jest.unstable_mockModule('../../../src/main.js', () => ({
    run: () => Promise.reject(escaped)
  }))
  const written: string[] = []
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk))
    return true
  })
  await import('../../../src/index.js')
  const lines = written.join('').split('\n').filter(Boolean)
  const errors = lines.filter((line) => line.startsWith('::error::'))
  expect(errors).toHaveLength(1)
  expect(errors[0]).toContain('could not write GITHUB_OUTPUT')
  expect(errors[0]).toContain('EISDIR')
  expect(written.join('')).not.toMatch(/\s+at \S+ \(/)
  expect(process.exitCode).toBe(1)
})
