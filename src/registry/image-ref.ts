// Image references, pure: parsing `name[:tag][@sha256:…]` as docker does, naming and formatting.
// The input boundary uses this without loading the registry client (resolve.ts does the round trip).
import type { ImageRef } from '../types.js'

export const DOCKER_HUB = 'docker.io'
/** Names docker accepts for Docker Hub; the one owner of this list (credentials use it too). */
export const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io'])
// The grammar of github.com/distribution/reference, lower case only as docker requires.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const DOMAIN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$/
const IPV6_DOMAIN = /^\[[0-9a-fA-F:]+\](?::[0-9]+)?$/
const TAG = /^[\w][\w.-]{0,127}$/
export const DIGEST = /^sha256:[a-f0-9]{64}$/

/**
 * Parses `name[:tag][@sha256:…]` the way docker does. Throws an Error whose message says what is
 * wrong (the input boundary wraps it into an InputError).
 */
export function parseImageRef(input: string): ImageRef {
  const text = input.trim()
  if (text === '') throw new Error('is empty')
  if (/[^\w.:/@[\]-]/.test(text)) {
    throw new Error(`"${text}" contains characters that cannot be in an image reference`)
  }
  let rest = text
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at !== -1) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    if (!DIGEST.test(digest))
      throw new Error(`"${digest}" is not a sha256:<64 lower-case hex> digest`)
  }
  let tag: string | undefined
  const lastSlash = rest.lastIndexOf('/')
  const colon = rest.lastIndexOf(':')
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    if (!TAG.test(tag)) throw new Error(`tag "${tag}" is not a valid tag`)
  }
  const parts = rest.split('/')
  let registry = DOCKER_HUB
  const first = parts[0] ?? ''
  if (
    parts.length > 1 &&
    (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['))
  ) {
    if (!DOMAIN.test(first) && !IPV6_DOMAIN.test(first))
      throw new Error(`registry "${first}" is not a host name`)
    registry = DOCKER_HUB_ALIASES.has(first.toLowerCase()) ? DOCKER_HUB : first.toLowerCase()
    parts.shift()
  }
  for (const part of parts) {
    if (!PATH_COMPONENT.test(part)) {
      const hint = part.toLowerCase() !== part ? ' (repository names must be lower case)' : ''
      throw new Error(`"${part}" is not a valid repository path component${hint}`)
    }
  }
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library')
  const repository = parts.join('/')
  if (repository.length > 255) throw new Error('the repository name is longer than 255 characters')
  return { registry, repository, tag: tag ?? (digest ? undefined : 'latest'), digest }
}

/** `registry/repository`, the name tools see. */
export function imageName(ref: ImageRef): string {
  return `${ref.registry}/${ref.repository}`
}

/** The reference as the user would write it, normalised: `docker.io/library/alpine:3.20`. */
export function formatImageRef(ref: ImageRef): string {
  return imageName(ref) + (ref.tag ? `:${ref.tag}` : '') + (ref.digest ? `@${ref.digest}` : '')
}

/** True for registries that docker, skopeo and cosign reach over plain HTTP. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:[0-9]+$/, '').replace(/^\[(.*)\]$/, '$1')
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}
