// Escaping for values that come from a scanned image's report (titles, package names, versions):
// they may hold `|`, `<`, backticks or newlines that would otherwise break a table or inject HTML
// into the job summary and the code-scanning help.

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '|': '&#124;'
}

/** Escapes text for one line of Markdown: a table cell, a heading, a list item. */
export function escapeInline(text: string, maxLength = 300): string {
  let value = text.replace(/\s+/g, ' ').trim()
  if (value.length > maxLength) value = value.slice(0, maxLength - 1).trimEnd() + '…'
  // Markdown escapes first: the entities that follow contain `#`, which must stay unescaped.
  return value.replace(/[\\`*_[\]#~]/g, '\\$&').replace(/[&<>"|]/g, (c) => HTML_ENTITIES[c] ?? c)
}

/** Escapes a paragraph of Markdown, keeping its line breaks. */
export function escapeBlock(text: string, maxLength = 2000): string {
  const value = text.length > maxLength ? text.slice(0, maxLength - 1).trimEnd() + '…' : text
  return value
    .split(/\r?\n/)
    .map((line) => (line.trim() === '' ? '' : escapeInline(line, maxLength)))
    .join('\n')
}

/** An http(s) URL safe to put in a Markdown link, or undefined for anything else. */
export function safeUrl(url: string | undefined): string | undefined {
  if (url === undefined || !/^https?:\/\/[^\s]+$/i.test(url)) return undefined
  try {
    return new URL(url).href.replace(/[()<>"|]/g, (c) => encodeURIComponent(c))
  } catch {
    return undefined
  }
}

/** `[text](url)` with the text escaped, or the escaped text alone when the URL is unusable. */
export function link(text: string, url: string | undefined, maxLength?: number): string {
  const label = escapeInline(text, maxLength)
  const href = safeUrl(url)
  return href ? `[${label}](${href})` : label
}

/** A Markdown table; cells must already be escaped. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

/** `code` span for values we trust to have no backticks (digests, image names), escaped anyway. */
export function code(text: string): string {
  return '`' + text.replace(/`/g, "'") + '`'
}
