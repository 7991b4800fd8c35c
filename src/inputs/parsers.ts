// Pure parsers for the input boundary (get-inputs.ts): each turns one raw input string into a typed
// value or throws an InputError whose one-line message names the input and says what is allowed.
// Nothing here reads the environment; paths are checked against the roots the caller passes.
import { readFileSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { InputError } from '../errors.js'
import { assertContained, isInside, PathProblem } from '../secure-fs/contained-path.js'
import type { KeyInput } from '../types.js'

/** A user's value for an error message: quoted, escaped onto one line, cut short. */
export function shown(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)
}

// YAML 1.2 core-schema booleans, the same set core.getBooleanInput accepts.
const TRUE = new Set(['true', 'True', 'TRUE'])
const FALSE = new Set(['false', 'False', 'FALSE'])

export function parseBoolean(name: string, value: string, fallback: boolean): boolean {
  if (value === '') return fallback
  if (TRUE.has(value)) return true
  if (FALSE.has(value)) return false
  throw new InputError(name, `must be true or false (got ${shown(value)})`)
}

/** One entry per line (and per comma when `commas`), trimmed, empty entries and duplicates dropped. */
export function parseList(value: string, commas: boolean): string[] {
  const entries = value.split(commas ? /[\r\n,]+/ : /[\r\n]+/).map((entry) => entry.trim())
  return [...new Set(entries.filter((entry) => entry !== ''))]
}

/** A value from a fixed set, matched case-insensitively (`CRITICAL` works as trivy users write it). */
export function parseChoice<T extends string>(
  name: string,
  value: string,
  allowed: readonly T[]
): T {
  const match = allowed.find((choice) => choice === value.toLowerCase())
  if (match === undefined) {
    throw new InputError(name, `must be one of ${allowed.join(', ')} (got ${shown(value)})`)
  }
  return match
}

export interface PathRules {
  /** The first root is the workspace, which relative paths are resolved against. */
  roots: string[]
  /** What must already be there: a file, a file or a directory, or nothing (an output file). */
  exist: 'file' | 'any' | 'none'
}

/** An absolute path inside one of `roots`; never lets `../` or an outside absolute path through. */
export function parsePath(name: string, value: string, rules: PathRules): string {
  const [workspace = process.cwd()] = rules.roots
  const where =
    rules.roots.length > 1
      ? `inside the workspace or ${rules.roots.slice(1).join(', ')}`
      : 'inside the workspace'
  if (/[\0\r\n]/.test(value))
    throw new InputError(name, `must be one path ${where} (got ${shown(value)})`)
  const path = resolve(workspace, value)
  const inside = rules.roots.some((root) => isInside(path, resolve(root)))
  if (!inside)
    throw new InputError(name, `must be a path ${where} ${shown(workspace)} (got ${shown(value)})`)
  // By its real path too: a committed symbolic link must not lead out of the workspace.
  try {
    assertContained(path, rules.roots)
  } catch (error) {
    if (!(error instanceof PathProblem)) throw error
    throw new InputError(
      name,
      `must be a path ${where}, but ${error.message} (got ${shown(value)})`
    )
  }
  const stats = statSync(path, { throwIfNoEntry: false })
  if (rules.exist !== 'none' && stats === undefined) {
    throw new InputError(
      name,
      `must name an existing file ${where} (${shown(value)} does not exist)`
    )
  }
  if (rules.exist === 'file' && stats?.isFile() === false) {
    throw new InputError(name, `must name a file, not a directory (got ${shown(value)})`)
  }
  if (rules.exist === 'none' && stats?.isDirectory() === true) {
    throw new InputError(name, `must be a file path, not a directory (got ${shown(value)})`)
  }
  return path
}

/**
 * A Sigstore `trusted_root.json` inside the roots: checked to be one here, so that a wrong file is
 * an input error before any download (the tools' installer parses it in full when it needs it).
 */
export function parseTrustedRootPath(name: string, value: string, roots: string[]): string {
  const path = parsePath(name, value, { roots, exist: 'file' })
  let mediaType: unknown
  try {
    mediaType = (JSON.parse(readFileSync(path, 'utf8')) as { mediaType?: unknown }).mediaType
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error)
    throw new InputError(name, `must be a Sigstore trusted_root.json (${shown(value)}: ${why})`)
  }
  if (typeof mediaType !== 'string' || !mediaType.startsWith(TRUSTED_ROOT_MEDIA_TYPE)) {
    throw new InputError(
      name,
      `must be a Sigstore trusted_root.json: ${shown(value)} has no ${TRUSTED_ROOT_MEDIA_TYPE} mediaType`
    )
  }
  return path
}
const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot'

const HOUR_MS = 3_600_000

/** A duration in whole hours or days (`36h`, `7d`), at least one hour. */
export function parseMaxAge(name: string, value: string): { text: string; ms: number } {
  const match = /^(\d{1,5})([hd])$/.exec(value.trim())
  const amount = Number(match?.[1] ?? 0)
  if (!match || amount === 0) {
    throw new InputError(
      name,
      `must be a number of hours or days, e.g. 36h or 7d (got ${shown(value)})`
    )
  }
  return { text: match[0], ms: amount * (match[2] === 'd' ? 24 : 1) * HOUR_MS }
}

export function parseSha256(name: string, value: string): string | undefined {
  if (value === '') return undefined
  if (!/^[0-9a-fA-F]{64}$/.test(value)) {
    throw new InputError(
      name,
      `must be the SHA-256 of the release asset: 64 hex characters (got ${shown(value)})`
    )
  }
  return value.toLowerCase()
}

/** 127.0.0.0/8, localhost and ::1: addresses that never leave the machine. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '')
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host)
}

/** An absolute http(s) URL without credentials, query or fragment (paths are appended to it). */
export function parseBaseUrl(name: string, value: string, httpsOnly: boolean): string {
  const allowed = httpsOnly ? 'an https:// URL' : 'an http:// or https:// URL'
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InputError(name, `must be ${allowed} (got ${shown(value)})`)
  }
  const schemes = httpsOnly ? ['https:'] : ['http:', 'https:']
  if (!schemes.includes(url.protocol) || url.hostname === '' || /\s/.test(value)) {
    throw new InputError(name, `must be ${allowed} (got ${shown(value)})`)
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new InputError(
      name,
      `must be an https:// URL: plain http:// is only accepted for a loopback address (127.0.0.1, localhost, [::1]), where nothing on the network can change a download (got ${shown(value)})`
    )
  }
  if (url.username || url.password) {
    throw new InputError(
      name,
      `must be ${allowed} without credentials in it (user:password@ would be logged)`
    )
  }
  if (url.search || url.hash) {
    throw new InputError(
      name,
      `must be ${allowed} without a query or fragment (got ${shown(value)})`
    )
  }
  return value.replace(/\/+$/, '')
}

// Key references cosign resolves itself (pins.md, "Key references").
const KEY_URI = /^(?:(?:env|k8s|awskms|gcpkms|azurekms|hashivault):\/\/\S+|pkcs11:\S+)$/
const KEY_URI_NAMES = 'env://, k8s://, awskms://, gcpkms://, azurekms://, hashivault://, pkcs11:'

export function isPem(value: string): boolean {
  return value.startsWith('-----BEGIN ')
}

/**
 * PEM contents, a key URI, or a key file (which must exist). A private key's value is never
 * echoed in the message: it may be a mangled secret.
 */
export function parseKey(
  name: string,
  value: string,
  roots: string[],
  publicKey: boolean
): KeyInput {
  if (isPem(value)) {
    if (!/-----END [A-Z0-9 ]+-----\s*$/.test(value)) {
      throw new InputError(
        name,
        'looks like PEM contents but has no -----END ...----- line: paste the whole key'
      )
    }
    return { kind: 'pem', pem: `${value.trim()}\n` }
  }
  if (KEY_URI.test(value)) return { kind: 'uri', uri: value }
  if (publicKey && /^https:\/\/\S+$/.test(value))
    return { kind: 'uri', uri: parseBaseUrl(name, value, true) }
  const allowed = `PEM contents, a key file inside the workspace or RUNNER_TEMP, ${publicKey ? 'an https:// URL, ' : ''}or a key URI (${KEY_URI_NAMES})`
  if (/^[a-z][a-z0-9+.-]*:/i.test(value) || /[\r\n]/.test(value)) {
    throw new InputError(name, `must be ${allowed}${publicKey ? ` (got ${shown(value)})` : ''}`)
  }
  try {
    return { kind: 'path', path: parsePath(name, value, { roots, exist: 'file' }) }
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    // Only a public key's value is echoed: a private one may be a mangled secret.
    const problem = publicKey
      ? error.message.replace(/^Input '[^']*': /, '')
      : 'the value is none of these'
    throw new InputError(name, `must be ${allowed}; ${problem}`)
  }
}
