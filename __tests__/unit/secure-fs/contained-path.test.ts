// Writing a report into the workspace never follows a symbolic link a pull request committed: not
// a link named like the file, not a linked folder.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeFileContained } from '../../../src/secure-fs/contained-path.js'

let workspace: string
let outside: string

beforeEach(() => {
  workspace = mkdtempSync(join(tmpdir(), 'imgsec-contained-ws-'))
  outside = mkdtempSync(join(tmpdir(), 'imgsec-contained-out-'))
})
afterEach(() => {
  rmSync(workspace, { recursive: true, force: true })
  rmSync(outside, { recursive: true, force: true })
})

describe('writeFileContained', () => {
  it('writes a new file, creating its folders', () => {
    writeFileContained(join(workspace, 'reports', 'r.sarif'), 'sarif', [workspace])
    expect(readFileSync(join(workspace, 'reports', 'r.sarif'), 'utf8')).toBe('sarif')
    expect(readdirSync(join(workspace, 'reports'))).toEqual(['r.sarif'])
  })

  it('refuses a link named like the file that leads outside, and leaves its target alone', () => {
    writeFileSync(join(outside, 'authorized_keys'), 'original')
    symlinkSync(join(outside, 'authorized_keys'), join(workspace, 'r.sarif'))
    expect(() => writeFileContained(join(workspace, 'r.sarif'), 'sarif', [workspace])).toThrow(
      /symbolic link/
    )
    expect(readFileSync(join(outside, 'authorized_keys'), 'utf8')).toBe('original')
  })

  it('refuses a linked folder that leads outside', () => {
    mkdirSync(join(outside, 'etc'))
    symlinkSync(join(outside, 'etc'), join(workspace, 'out'))
    expect(() =>
      writeFileContained(join(workspace, 'out', 'sub', 'r.sarif'), 'sarif', [workspace])
    ).toThrow(/symbolic link/)
    expect(readdirSync(join(outside, 'etc'))).toEqual([])
  })

  it('replaces a link inside the workspace instead of writing through it', () => {
    writeFileSync(join(workspace, 'Dockerfile'), 'FROM alpine')
    symlinkSync(join(workspace, 'Dockerfile'), join(workspace, 'r.sarif'))
    writeFileContained(join(workspace, 'r.sarif'), 'sarif', [workspace])
    expect(readFileSync(join(workspace, 'Dockerfile'), 'utf8')).toBe('FROM alpine')
    expect(lstatSync(join(workspace, 'r.sarif')).isSymbolicLink()).toBe(false)
    expect(readFileSync(join(workspace, 'r.sarif'), 'utf8')).toBe('sarif')
  })
})
