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

// One pass over the text (these run on thousands of descriptions); the Markdown escapes are
// backslashes, the rest entities, so no replacement is ever escaped again.
const INLINE_SPECIAL = /\s+|[\\`*_[\]#~&<>"|]/g
const NEEDS_INLINE_WORK = /[\t\n\r\f\v\\`*_[\]#~&<>"|]| {2}/

function escapeChar(c: string): string {
  return HTML_ENTITIES[c] ?? '\\' + c
}

/** Cuts text to maxLength characters, marking the cut with `...`: ASCII, because one character
 * beyond Latin-1 makes V8 store a whole serialised SARIF log at two bytes per character. */
export function clip(text: string, maxLength: number): string {
  return text.length > maxLength ? text.slice(0, maxLength - 3).trimEnd() + '...' : text
}

/** Escapes text for one line of Markdown: a table cell, a heading, a list item. */
export function escapeInline(text: string, maxLength = 300): string {
  const value = clip(text, maxLength)
  if (!NEEDS_INLINE_WORK.test(value)) return value.trim()
  return value
    .replace(INLINE_SPECIAL, (c) => (c.length > 1 || /\s/.test(c) ? ' ' : escapeChar(c)))
    .trim()
}

// Most advisory links (https://avd.aquasec.com/nvd/cve-…) are already in the form the URL parser
// gives back: lower-case scheme and host name, a path of plain segments, no port, query or
// fragment. Those are returned as they are; parsing thousands of them is the costly part.
const PLAIN_URL = /^https?:\/\/(?:[a-z0-9-]+\.)+[a-z]{2,}(?:\/(?!\.)[\w.~-]*)+$/

// What could end a link destination or start Markdown inside it, percent-encoded by hand:
// encodeURIComponent leaves `(` and `)` as they are, and a report URL holding
// `)[Fix](https://attacker.example/x` must stay one link to the URL it names. A backtick would
// open a code span (which binds before links), `|` end a table cell.
const URL_SPECIAL = /[()[\]<>"'|\\`]/g

function percentEncode(c: string): string {
  return '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')
}

/** An http(s) URL safe to put in a Markdown link, or undefined for anything else. */
export function safeUrl(url: string | undefined): string | undefined {
  if (url === undefined || !/^https?:\/\/[^\s]+$/i.test(url)) return undefined
  if (PLAIN_URL.test(url)) return url
  try {
    return new URL(url).href.replace(URL_SPECIAL, percentEncode)
  } catch {
    return undefined
  }
}

/** `[text](url)` with the text escaped, or the escaped text alone when the URL is unusable. */
export function link(text: string, url: string | undefined, maxLength?: number): string {
  const href = safeUrl(url)
  return href ? linkTo(text, href, maxLength) : escapeInline(text, maxLength)
}

/** `[text](href)` with the text escaped, for an href that safeUrl has already returned. */
export function linkTo(text: string, href: string, maxLength?: number): string {
  return `[${escapeInline(text, maxLength)}](${href})`
}

/** A Markdown table; cells must already be escaped. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

/** A `code` span. A backtick cannot be escaped inside one, so it becomes a quote; `|` is escaped
 * so that the span can sit in a table cell (where GFM renders `\|` as `|`). */
export function code(text: string): string {
  return (
    '`' +
    text
      .replace(/`/g, "'")
      .replace(/\|/g, '\\|')
      .replace(/[\r\n]+/g, ' ') +
    '`'
  )
}
