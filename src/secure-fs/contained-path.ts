// Paths the user names (keys, VEX, ignore files, tarballs, the SARIF file) must stay inside the
// workspace (or RUNNER_TEMP) by their real path, not only by their name: a pull request can commit
// a symlink named like the SARIF file, or a linked folder, that points anywhere on the runner.
// One owner for the check and for writing a file through it without following a link.
import { randomBytes } from 'node:crypto'
import {
  lstatSync,
  mkdirSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path'

// What a path can run into on its way: each becomes a sentence naming the path, never a stack.
const FS_PROBLEMS: Record<string, string> = {
  ENOTDIR: 'a part of it is a file, not a directory (ENOTDIR)',
  ELOOP: 'it runs into a loop of symbolic links (ELOOP)',
  ENAMETOOLONG: 'it is too long for the file system (ENAMETOOLONG)',
  EACCES: 'a part of it cannot be read (EACCES)'
}

/** Thrown with a one-line reason; callers name the input. */
export class PathProblem extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'PathProblem'
  }
}

function problemOf(error: unknown): PathProblem {
  const code = (error as NodeJS.ErrnoException).code ?? ''
  const known = FS_PROBLEMS[code]
  return new PathProblem(known ?? (error as Error).message, { cause: error })
}

/** Whether `path` is `root` or below it, by name (both absolute). */
export function isInside(path: string, root: string): boolean {
  const rel = relative(root, path)
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}

function realRoot(root: string): string {
  try {
    return realpathSync(root)
  } catch {
    return resolve(root)
  }
}

/**
 * The real path `path` has (or would have, once created): its nearest existing ancestor resolved
 * through every link, with the missing rest appended. Throws PathProblem for ENOTDIR, ELOOP, ….
 */
export function realPathOf(path: string): string {
  let existing = resolve(path)
  const missing: string[] = []
  for (;;) {
    try {
      lstatSync(existing)
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw problemOf(error)
      const parent = dirname(existing)
      if (parent === existing) break
      missing.unshift(basename(existing))
      existing = parent
    }
  }
  try {
    const real = realpathSync(existing)
    if (missing.length > 0 && !statSync(real).isDirectory()) {
      throw new PathProblem(FS_PROBLEMS['ENOTDIR'] as string)
    }
    return join(real, ...missing)
  } catch (error) {
    throw error instanceof PathProblem ? error : problemOf(error)
  }
}

/** Throws PathProblem unless `path` is, by its real path, inside one of `roots` (also by theirs). */
export function assertContained(path: string, roots: readonly string[]): string {
  const real = realPathOf(path)
  if (!roots.some((root) => isInside(real, realRoot(root)))) {
    throw new PathProblem(
      `it leads to ${real} through a symbolic link, outside ${roots.join(', ')}`
    )
  }
  return real
}

/**
 * Writes `bytes` to `path` without following a link out of `roots`: the folder is checked by its
 * real path, and the file is written as a new file beside the target and renamed into place, so a
 * symbolic link named like the target is replaced, never written through.
 */
export function writeFileContained(
  path: string,
  bytes: string | Uint8Array,
  roots: readonly string[]
): void {
  assertContained(path, roots)
  mkdirSync(dirname(path), { recursive: true })
  // Checked again once the folders exist: the real folder is where the new file goes.
  const folder = assertContained(dirname(path), roots)
  const target = join(folder, basename(path))
  const temporary = join(folder, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    writeFileSync(temporary, bytes, { flag: 'wx' })
    renameSync(temporary, target)
  } catch (error) {
    rmSync(temporary, { force: true })
    throw error
  }
}
