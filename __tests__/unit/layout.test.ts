// The architecture as a test: dependencies in src/ point one way (entry → pipeline → tools and
// reports → domain types), with no import cycle anywhere, type-only imports included.
import { describe, expect, it } from '@jest/globals'
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

const SRC = resolve(import.meta.dirname, '..', '..', 'src')

function importGraph(): Map<string, string[]> {
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) =>
    f.endsWith('.ts')
  )
  const graph = new Map<string, string[]>()
  for (const file of files) {
    const text = readFileSync(join(SRC, file), 'utf8')
    const targets = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)\.js'/g)].map((m) =>
      relative(SRC, resolve(SRC, dirname(file), `${m[1]}.ts`))
    )
    graph.set(file, targets)
  }
  return graph
}

/** Every cycle's path, found by a depth-first walk. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = []
  const done = new Set<string>()
  const walk = (node: string, path: string[]): void => {
    const at = path.indexOf(node)
    if (at !== -1) return void found.push([...path.slice(at), node])
    if (done.has(node)) return
    for (const next of graph.get(node) ?? []) walk(next, [...path, node])
    done.add(node)
  }
  for (const node of graph.keys()) walk(node, [])
  return found
}

const graph = importGraph()
const importers = (target: string): string[] =>
  [...graph].filter(([, targets]) => targets.some((t) => t.startsWith(target))).map(([f]) => f)

describe('src/ layout', () => {
  it('has no import cycle', () => {
    expect(cycles(graph)).toEqual([])
  })

  it('keeps the shared domain types free of imports from the rest of src/', () => {
    expect(graph.get('types.ts')).toEqual([])
  })

  it('has only the pipeline, the entries and the input boundary import the input boundary', () => {
    const outside = importers('inputs/').filter((f) => !/^(inputs\/|pipeline\/|main\.ts)/.test(f))
    expect(outside).toEqual([])
  })

  it('does not load the registry client to parse an image name at the input boundary', () => {
    const reached = new Set<string>()
    const visit = (file: string): void => {
      if (reached.has(file)) return
      reached.add(file)
      for (const next of graph.get(file) ?? []) visit(next)
    }
    visit('inputs/get-inputs.ts')
    expect([...reached].filter((f) => f === 'registry/resolve.ts')).toEqual([])
  })

  it('has the tools, findings and reports never import the pipeline or the entries', () => {
    const upward = [...graph]
      .filter(([file]) => /^(tools|trivy|cosign|registry|findings|publish|secure-fs)\//.test(file))
      .flatMap(([file, targets]) =>
        targets
          .filter((t) => /^(pipeline\/|main\.ts|index\.ts)/.test(t))
          .map((t) => `${file} → ${t}`)
      )
    expect(upward).toEqual([])
  })
})
