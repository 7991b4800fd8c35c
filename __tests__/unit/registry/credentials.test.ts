import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  canonicalRegistry,
  dockerConfigCredentials,
  dockerConfigFile,
  registryCredentials,
  writeDockerConfig
} from '../../../src/registry/credentials.js'

const basic = (user: string, pass: string) => Buffer.from(`${user}:${pass}`).toString('base64')

let dir: string
let env: NodeJS.ProcessEnv

function writeConfig(config: unknown): void {
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config))
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'imgsec-docker-config-'))
  env = { DOCKER_CONFIG: dir }
})

afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('dockerConfigCredentials', () => {
  it('reads DOCKER_CONFIG, and ~/.docker without it', () => {
    expect(dockerConfigFile(env)).toBe(join(dir, 'config.json'))
    expect(dockerConfigFile({})).toMatch(/\.docker\/config\.json$/)
  })

  it('finds the entry docker/login-action writes, with a colon in the password', () => {
    writeConfig({ auths: { 'ghcr.io': { auth: basic('octocat', 'ghp_x:y') } } })
    const found = dockerConfigCredentials('ghcr.io', env)
    expect(found.credentials).toEqual({ username: 'octocat', password: 'ghp_x:y' })
    expect(found.source).toContain(join(dir, 'config.json'))
    expect(found.source).not.toContain('ghp_x')
  })

  it.each(['https://index.docker.io/v1/', 'index.docker.io', 'registry-1.docker.io', 'docker.io'])(
    'maps the Docker Hub key %s to docker.io',
    (key) => {
      writeConfig({ auths: { [key]: { auth: basic('hubuser', 'hubpass') } } })
      expect(dockerConfigCredentials('docker.io', env).credentials).toEqual({
        username: 'hubuser',
        password: 'hubpass'
      })
    }
  )

  it('matches registries exactly, ports and schemes included', () => {
    writeConfig({
      auths: {
        'https://127.0.0.1:5000': { auth: basic('a', '1') },
        'ghcr.io.evil.example': { auth: basic('b', '2') }
      }
    })
    expect(dockerConfigCredentials('127.0.0.1:5000', env).credentials?.username).toBe('a')
    expect(dockerConfigCredentials('127.0.0.1:5001', env).credentials).toBeUndefined()
    expect(dockerConfigCredentials('ghcr.io', env).credentials).toBeUndefined()
  })

  it('uses an identity token as the password', () => {
    writeConfig({ auths: { 'x.azurecr.io': { auth: basic('0000', ''), identitytoken: 'tok' } } })
    expect(dockerConfigCredentials('x.azurecr.io', env).credentials).toEqual({
      username: '0000',
      password: 'tok'
    })
  })

  it('accepts separate username/password fields', () => {
    writeConfig({ auths: { 'quay.io': { username: 'q', password: 'p' } } })
    expect(dockerConfigCredentials('quay.io', env).credentials).toEqual({
      username: 'q',
      password: 'p'
    })
  })

  it('returns nothing when there is no config file', () => {
    expect(dockerConfigCredentials('ghcr.io', env)).toEqual({ notes: [] })
  })

  it('notes, without failing, that credential helpers are not used', () => {
    writeConfig({ credsStore: 'desktop', credHelpers: { 'gcr.io': 'gcloud' } })
    const hub = dockerConfigCredentials('docker.io', env)
    expect(hub.credentials).toBeUndefined()
    expect(hub.notes.join()).toMatch(
      /docker-credential-desktop.*registry-username\/registry-password/
    )
    expect(dockerConfigCredentials('gcr.io', env).notes.join()).toContain(
      'docker-credential-gcloud'
    )
  })

  it('says which file is broken', () => {
    writeFileSync(join(dir, 'config.json'), '{ not json')
    expect(() => dockerConfigCredentials('ghcr.io', env)).toThrow(
      `The Docker config ${join(dir, 'config.json')} is not valid JSON`
    )
  })
})

describe('registryCredentials', () => {
  it('prefers the inputs over the Docker config', () => {
    writeConfig({ auths: { 'ghcr.io': { auth: basic('fromconfig', 'x') } } })
    const found = registryCredentials('ghcr.io', { username: 'frominput', password: 'y' }, env)
    expect(found.credentials?.username).toBe('frominput')
    expect(found.source).toBe('registry-username/registry-password')
    expect(registryCredentials('ghcr.io', undefined, env).credentials?.username).toBe('fromconfig')
  })
})

describe('writeDockerConfig', () => {
  it('writes a private config that the lookup reads back', () => {
    const out = writeDockerConfig(join(dir, 'private'), 'ghcr.io', {
      username: 'u',
      password: 'p:w'
    })
    const file = join(out, 'config.json')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(dockerConfigCredentials('ghcr.io', { DOCKER_CONFIG: out }).credentials).toEqual({
      username: 'u',
      password: 'p:w'
    })
  })

  it("uses docker's own key for Docker Hub", () => {
    const out = writeDockerConfig(dir, 'docker.io', { username: 'u', password: 'p' })
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))
    expect(Object.keys(config.auths)).toEqual(['https://index.docker.io/v1/'])
    expect(canonicalRegistry('https://index.docker.io/v1/')).toBe('docker.io')
  })
})
