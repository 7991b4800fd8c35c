// Registry credentials: the `registry-username`/`registry-password` inputs, else the Docker config
// that `docker login` and docker/login-action write. Also writes a private Docker config for the
// tools we run (cosign, trivy read it through DOCKER_CONFIG), so passwords never touch a command line.
import { mkdirSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { writePrivateFileAt } from '../secure-fs/private-file.js'
import { DOCKER_HUB, DOCKER_HUB_ALIASES } from './image-ref.js'

export interface RegistryCredentials {
  username: string
  password: string
}

export interface CredentialLookup {
  credentials?: RegistryCredentials
  /** Where the credentials came from, for the log (never the values). */
  source?: string
  /** Things the user should know, logged at info level (e.g. an unsupported credential helper). */
  notes: string[]
}

interface DockerAuthEntry {
  auth?: string
  username?: string
  password?: string
  identitytoken?: string
}

interface DockerConfigFile {
  auths?: Record<string, DockerAuthEntry>
  credsStore?: string
  credHelpers?: Record<string, string>
}

// The key docker itself (and go-containerregistry, hence cosign and trivy) uses for Docker Hub.
const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/'

/** `https://index.docker.io/v1/` -> `docker.io`, `ghcr.io/` -> `ghcr.io`: comparable registry names. */
export function canonicalRegistry(key: string): string {
  const host = (key.replace(/^[a-z]+:\/\//i, '').split('/')[0] ?? '').toLowerCase()
  return DOCKER_HUB_ALIASES.has(host) ? DOCKER_HUB : host
}

/** The Docker config file docker would read: `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`. */
export function dockerConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env['DOCKER_CONFIG'] || join(homedir(), '.docker')
  return join(dir, 'config.json')
}

function decodeEntry(entry: DockerAuthEntry): RegistryCredentials | undefined {
  let username = entry.username ?? ''
  let password = entry.password ?? ''
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    // The password may itself contain colons; the user name cannot.
    username = colon === -1 ? decoded : decoded.slice(0, colon)
    password = colon === -1 ? '' : decoded.slice(colon + 1)
  }
  // An identity token (Azure, some OAuth2 registries) replaces the password, as docker does.
  if (entry.identitytoken) return { username: username || '<token>', password: entry.identitytoken }
  if (!username && !password) return undefined
  return { username, password }
}

/** Credentials for `registry` from the Docker config, with notes on what could not be used. */
export function dockerConfigCredentials(
  registry: string,
  env: NodeJS.ProcessEnv = process.env
): CredentialLookup {
  const file = dockerConfigFile(env)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { notes: [] }
    throw new Error(`Could not read the Docker config ${file}: ${(error as Error).message}`, {
      cause: error
    })
  }
  let config: DockerConfigFile
  try {
    config = JSON.parse(text) as DockerConfigFile
  } catch (error) {
    throw new Error(`The Docker config ${file} is not valid JSON: fix or remove it`, {
      cause: error
    })
  }
  const target = canonicalRegistry(registry)
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (canonicalRegistry(key) !== target) continue
    const credentials = decodeEntry(entry)
    if (credentials) return { credentials, source: `${file} (auths["${key}"])`, notes: [] }
  }
  const helper =
    Object.entries(config.credHelpers ?? {}).find(
      ([key]) => canonicalRegistry(key) === target
    )?.[1] ?? config.credsStore
  const notes = helper
    ? [
        `The Docker config ${file} keeps credentials in the credential helper "docker-credential-${helper}", ` +
          `which imgsec-action does not call; ${registry} is accessed anonymously. ` +
          'Set registry-username/registry-password, or log in with docker/login-action, to use credentials.'
      ]
    : []
  return { notes }
}

/** The inputs' credentials when given, else the Docker config's. */
export function registryCredentials(
  registry: string,
  explicit?: RegistryCredentials,
  env: NodeJS.ProcessEnv = process.env
): CredentialLookup {
  if (explicit) {
    return { credentials: explicit, source: 'registry-username/registry-password', notes: [] }
  }
  return dockerConfigCredentials(registry, env)
}

/** Credentials meant for one registry only. */
export interface RegistryAuth {
  registry: string
  credentials: RegistryCredentials
}

/**
 * Writes `dir/config.json` (mode 0600) holding only `credentials` for `registry`, and returns `dir`
 * for use as DOCKER_CONFIG by the tools we run. `dir` should be a private temporary directory.
 */
export function writeDockerConfig(
  dir: string,
  registry: string,
  credentials: RegistryCredentials
): string {
  return writeDockerConfigEntries(dir, [{ registry, credentials }])
}

/**
 * Writes `dir/config.json` (mode 0600) with one `auths` entry per registry (none: anonymous
 * everywhere, and no credential helper of the machine's config is called), and returns `dir`.
 * Each registry gets its own credentials and no other's: a tool sends them only to that host.
 */
export function writeDockerConfigEntries(dir: string, entries: readonly RegistryAuth[]): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const auths: Record<string, { auth: string }> = {}
  for (const { registry, credentials } of entries) {
    const key = canonicalRegistry(registry) === DOCKER_HUB ? DOCKER_HUB_AUTH_KEY : registry
    if (key in auths) continue
    auths[key] = {
      auth: Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')
    }
  }
  writePrivateFileAt(join(dir, 'config.json'), JSON.stringify({ auths }, null, 2) + '\n')
  return dir
}
