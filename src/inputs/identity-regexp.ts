// The `certificate-identity-regexp` input as cosign will read it: Go's RE2 syntax. A pattern that
// does not compile, or that uses what RE2 lacks (lookaround, backreferences, atomic groups), is
// refused here with one line, instead of failing inside cosign after the tools were downloaded.
import { InputError } from '../errors.js'
import { shown } from './parsers.js'

const NAME = 'certificate-identity-regexp'

/** What RE2 lacks that `pattern` uses, or undefined. Escapes and character classes are skipped. */
function re2Lacks(pattern: string): string | undefined {
  let inClass = false
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]
    if (c === '\\') {
      const next = pattern[i + 1] ?? ''
      if (!inClass && /[1-9]/.test(next)) return `a backreference (\\${next})`
      if (next === 'k' && pattern[i + 2] === '<') return 'a named backreference (\\k<…>)'
      i++
    } else if (inClass) {
      if (c === ']') inClass = false
    } else if (c === '[') {
      inClass = true
      // A `]` right after `[` or `[^` is a literal, not the end of the class.
      if (pattern[i + 1] === '^') i++
      if (pattern[i + 1] === ']') i++
    } else if (c === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2)
      if (/^(?:=|!|<=|<!)/.test(rest)) return 'lookaround ((?=, (?!, (?<=, (?<!)'
      if (rest.startsWith('>')) return 'an atomic group ((?>…)'
    }
  }
  return undefined
}

/**
 * The pattern, when cosign can use it as given. JavaScript compiles it as a stand-in for RE2 once
 * RE2's own spellings are mapped: `(?P<name>` groups and inline flags such as `(?i)` or `(?i:…)`.
 */
export function parseIdentityRegexp(value: string): string {
  const lacks = re2Lacks(value)
  if (lacks) {
    throw new InputError(
      NAME,
      `uses ${lacks}, which Go's RE2 syntax (what cosign reads) does not have (got ${shown(value)})`
    )
  }
  const asJs = value
    .replace(/\(\?P</g, '(?<')
    .replace(/\(\?[imsU-]+\)/g, '')
    .replace(/\(\?[imsU-]+:/g, '(?:')
  try {
    new RegExp(asJs)
  } catch (error) {
    const reason = (error as Error).message.split(': ').at(-1)
    throw new InputError(NAME, `is not a valid regular expression: ${reason} (got ${shown(value)})`)
  }
  return value
}
