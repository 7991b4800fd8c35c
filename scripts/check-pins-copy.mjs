#!/usr/bin/env node
// Checks that the repository's copy of pins.md (__tests__/fixtures/pins.md, which the unit tests
// check the embedded pins against) still equals the original release facts, byte for byte.
//   node scripts/check-pins-copy.mjs [path of the original]   (default: ../shared/pins.md)
// It is not part of `npm test`: the original lives beside the workspace, not in the repository, and
// a GitHub runner has only the repository. Where the original is missing this check fails; it never
// reports a comparison it could not make.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const copy = join(root, '__tests__', 'fixtures', 'pins.md')
const original = resolve(process.argv[2] ?? join(root, '..', 'shared', 'pins.md'))

if (!existsSync(original)) {
  console.error(
    `check-pins-copy: ${original} does not exist, so the copy was NOT checked. Give the path of ` +
      'the original pins.md as the argument, or run this in the workspace that has ../shared.'
  )
  process.exit(2)
}
const a = readFileSync(copy)
const b = readFileSync(original)
if (!a.equals(b)) {
  const lines = [a.toString('utf8').split('\n'), b.toString('utf8').split('\n')]
  const at = lines[0].findIndex((line, i) => line !== lines[1][i])
  console.error(
    `check-pins-copy: ${copy} differs from ${original} (first at line ${at + 1}). Copy the ` +
      'original over it, then run the unit tests: the embedded pins may need to follow.'
  )
  process.exit(1)
}
console.log(`check-pins-copy: ${copy} equals ${original}.`)
