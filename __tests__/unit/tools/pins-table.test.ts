// Every SHA-256 the action embeds (five assets per tool, ten in all) and both pinned versions,
// against the tables of pins.md, the release facts they were taken from. The repository keeps a
// verbatim copy of pins.md (__tests__/fixtures/pins.md) so that this runs with only the checkout;
// `npm run check:pins-copy` checks the copy against the original where the original exists.
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { FIXTURES_DIR } from '../../harness/paths.js'
import { PINS, type Tool } from '../../../src/tools/releases.js'

const PINS_MD = readFileSync(join(FIXTURES_DIR, 'pins.md'), 'utf8')

/** The `## <tool>` section of pins.md: its pinned version and its `| asset | sha256 |` rows. */
function pinsOf(tool: Tool): { version: string; sha256: Record<string, string> } {
  const heading = `## ${tool} (`
  const start = PINS_MD.indexOf(heading)
  if (start < 0) throw new Error(`pins.md has no section ${heading}`)
  const end = PINS_MD.indexOf('\n## ', start + heading.length)
  const section = PINS_MD.slice(start, end < 0 ? undefined : end)
  const version = /Pin: \*\*v([0-9.]+)\*\*/.exec(section)?.[1]
  if (!version) throw new Error(`pins.md gives no pinned version for ${tool}`)
  const sha256: Record<string, string> = {}
  for (const [, asset, sha] of section.matchAll(/^\| (\S+) \| ([0-9a-f]{64}) \|/gm)) {
    sha256[asset as string] = sha as string
  }
  return { version, sha256 }
}

describe('the embedded pins', () => {
  it.each(['trivy', 'cosign'] as const)(
    '%s: the pinned version and all five SHA-256 values are those of pins.md',
    (tool) => {
      const table = pinsOf(tool)
      expect(Object.keys(table.sha256)).toHaveLength(5)
      expect(PINS[tool].version).toBe(table.version)
      expect(PINS[tool].sha256).toEqual(table.sha256)
    }
  )

  it('are ten values in all, none of them repeated', () => {
    const all = (['trivy', 'cosign'] as const).flatMap((tool) => Object.values(PINS[tool].sha256))
    expect(all).toHaveLength(10)
    expect(new Set(all).size).toBe(10)
  })
})
