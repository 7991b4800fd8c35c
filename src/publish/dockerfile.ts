// Where in a Dockerfile the scanned image comes from: the FROM of the final stage. Annotations and
// SARIF results point there. Follows BuildKit's reading of the file: parser directives (an
// `escape` directive changes the continuation character), comments, continuation lines with
// comments or blank lines inside them, and heredocs whose bodies may hold lines that look like
// instructions.

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*?)\s*$/
const KNOWN_DIRECTIVES = new Set(['syntax', 'escape', 'check'])
const HEREDOC = /<<(-?)\s*(["']?)([A-Za-z0-9_.-]+)\2/g
const HEREDOC_INSTRUCTIONS = new Set(['run', 'copy', 'add'])

/** Reads the parser directives at the top of the file; returns the escape character and the
 * index of the first line after them. */
function readDirectives(lines: string[]): { escape: string; next: number } {
  let escape = '\\'
  let i = 0
  const seen = new Set<string>()
  for (; i < lines.length; i++) {
    const match = DIRECTIVE.exec(lines[i] ?? '')
    const key = match?.[1]?.toLowerCase()
    if (!match || key === undefined || !KNOWN_DIRECTIVES.has(key) || seen.has(key)) break
    seen.add(key)
    if (key === 'escape' && (match[2] === '`' || match[2] === '\\')) escape = match[2]
  }
  return { escape, next: i }
}

function isCommentOrBlank(line: string): boolean {
  const trimmed = line.trimStart()
  return trimmed === '' || trimmed.startsWith('#')
}

/**
 * The 1-based line of the last FROM instruction (where the final stage starts), or undefined
 * when the file has no FROM.
 */
export function finalStageFromLine(text: string): number | undefined {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)
  const { escape, next } = readDirectives(lines)
  let last: number | undefined
  let i = next
  while (i < lines.length) {
    let line = lines[i] ?? ''
    if (isCommentOrBlank(line)) {
      i++
      continue
    }
    const start = i + 1
    let logical = ''
    // Join continuation lines; comment and blank lines inside an instruction are skipped.
    while (line.trimEnd().endsWith(escape)) {
      const body = line.trimEnd()
      logical += body.slice(0, -escape.length) + ' '
      i++
      while (i < lines.length && isCommentOrBlank(lines[i] ?? '')) i++
      if (i >= lines.length) {
        line = ''
        break
      }
      line = lines[i] ?? ''
    }
    logical += line
    const keyword = /^\s*([A-Za-z]+)/.exec(logical)?.[1]?.toLowerCase()
    if (keyword === 'from') last = start
    i++
    if (keyword !== undefined && HEREDOC_INSTRUCTIONS.has(keyword))
      i = skipHeredocs(lines, i, logical)
  }
  return last
}

/** Skips the bodies of the heredocs an instruction opened; returns the next line's index. */
function skipHeredocs(lines: string[], from: number, instruction: string): number {
  let i = from
  for (const match of instruction.matchAll(HEREDOC)) {
    const stripTabs = match[1] === '-'
    const marker = match[3]
    while (i < lines.length) {
      const line = lines[i] ?? ''
      i++
      if ((stripTabs ? line.replace(/^\t+/, '') : line) === marker) break
    }
  }
  return i
}
