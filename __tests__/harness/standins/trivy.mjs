#!/usr/bin/env node
// Stand-in for the `trivy` CLI, packaged by the test harness into release assets in place of the real
// binary. It keeps the parts of trivy's contract the action relies on: the same flags (pflag syntax,
// TRIVY_* environment), the same log and error lines, the vulnerability DB in the cache dir with
// fallback across --db-repository on rate limits, a real manifest lookup on loopback registries, and
// the same report files; `--input` opens only a Docker archive or an OCI layout, as trivy does.
// Findings come from a real trivy report: the one the scanned image's config names in the label
// org.imgsec.standin.trivy-report (images.ts sets it per platform image, so the platform images of
// one index can differ), else the one STANDIN_TRIVY_REPORT names. A registry image is read as trivy
// reads it: its manifest (an index's linux/amd64 child unless --platform), its config, and every
// layer, so a layer the registry lost fails the scan. --list-all-pkgs (the default) lists the
// packages; `convert --format cyclonedx` writes the SBOM trivy writes (./trivy-cyclonedx.mjs).
// Test knobs: STANDIN_TRIVY_REPORT (absolute path), STANDIN_TRIVY_RATE_LIMITED (comma list of DB
// repositories answering 429), STANDIN_TRIVY_CRASH (1: fatal error, panic: Go panic),
// STANDIN_TRIVY_LOCAL_IMAGES (comma list of images the docker/podman daemon "has"),
// STANDIN_TRIVY_SCAN_MS (how long a scan takes, holding the fs scan cache as trivy does).
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { request } from 'node:http'
import { homedir, platform } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { gunzipSync } from 'node:zlib'
import { basicAuth, csvSplit, dockerCredentials, isLoopback, parsePflags } from './common.mjs'
import { cyclonedx } from './trivy-cyclonedx.mjs'

const VERSION = '0.0.0-standin'
const DEFAULT_DB_REPOSITORIES = [
  'mirror.gcr.io/aquasec/trivy-db:2',
  'ghcr.io/aquasecurity/trivy-db:2'
]
const SEVERITIES = ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']
const SCANNERS = ['vuln', 'misconfig', 'secret', 'license']
const IMAGE_SOURCES = ['docker', 'containerd', 'podman', 'remote']
const FORMATS = [
  'table',
  'json',
  'template',
  'sarif',
  'cyclonedx',
  'spdx',
  'spdx-json',
  'github',
  'cosign-vuln'
]
const REPORT_LABEL = 'org.imgsec.standin.trivy-report'
const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json'
]

// Flag tables: name -> [type, shorthand]. Types follow pflag: bool, string, strings (repeatable and
// comma-separated), int, duration.
const GLOBAL_FLAGS = {
  'cache-dir': ['string'],
  config: ['string', 'c'],
  debug: ['bool', 'd'],
  insecure: ['bool'],
  quiet: ['bool', 'q'],
  timeout: ['duration'],
  version: ['bool', 'v'],
  help: ['bool', 'h'],
  'generate-default-config': ['bool'],
  'skip-version-check': ['bool'],
  'disable-telemetry': ['bool'],
  'no-progress': ['bool']
}
const REPORT_FLAGS = {
  format: ['string', 'f'],
  output: ['string', 'o'],
  template: ['string', 't'],
  severity: ['strings', 's'],
  'exit-code': ['int'],
  'exit-on-eol': ['int'],
  'list-all-pkgs': ['bool'],
  ignorefile: ['string'],
  'ignore-policy': ['string'],
  'show-suppressed': ['bool'],
  report: ['string'],
  compliance: ['string'],
  'dependency-tree': ['bool'],
  'table-mode': ['strings'],
  'output-plugin-arg': ['string']
}
const IMAGE_FLAGS = {
  ...REPORT_FLAGS,
  scanners: ['strings'],
  'ignore-unfixed': ['bool'],
  'ignore-status': ['strings'],
  vex: ['strings'],
  platform: ['string'],
  'image-src': ['strings'],
  input: ['string'],
  'db-repository': ['strings'],
  'java-db-repository': ['strings'],
  'skip-db-update': ['bool'],
  'skip-java-db-update': ['bool'],
  'download-db-only': ['bool'],
  'download-java-db-only': ['bool'],
  'skip-check-update': ['bool'],
  'skip-vex-repo-update': ['bool'],
  'offline-scan': ['bool'],
  username: ['strings'],
  password: ['strings'],
  'password-stdin': ['bool'],
  'registry-token': ['string'],
  'docker-host': ['string'],
  'podman-host': ['string'],
  'pkg-types': ['strings'],
  'pkg-relationships': ['strings'],
  'skip-dirs': ['strings'],
  'skip-files': ['strings'],
  'file-patterns': ['strings'],
  parallel: ['int'],
  'detection-priority': ['string'],
  'removed-pkgs': ['bool'],
  'image-config-scanners': ['strings'],
  'license-full': ['bool'],
  'max-image-size': ['string'],
  'cache-backend': ['string'],
  'cache-ttl': ['duration'],
  'vuln-severity-source': ['strings'],
  'secret-config': ['string'],
  'misconfig-scanners': ['strings'],
  distro: ['string']
}
const VERSION_FLAGS = { format: ['string', 'f'] }

const USAGE = {
  image: 'Scan a container image\n\nUsage:\n  trivy image [flags] IMAGE_NAME\n',
  convert:
    'Convert Trivy JSON report into a different format\n\nUsage:\n  trivy convert [flags] RESULT_JSON\n'
}

class Fatal extends Error {}
let usage = 'Usage:\n  trivy [global flags] command [flags] target\n'

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z')
let quiet = false
function log(level, message, attrs = {}) {
  if (quiet && level !== 'FATAL') return
  const extra = Object.entries(attrs).map(([key, value]) => `\t${key}=${JSON.stringify(value)}`)
  process.stderr.write(`${now()}\t${level}\t${message}${extra.join('')}\n`)
}
const multiError = (errors) =>
  `${errors.length} error${errors.length === 1 ? '' : 's'} occurred:\n${errors.map((e) => `\t* ${e}`).join('\n')}\n\n`

/** pflag parsing against `table`; returns {flags, args}. Throws Fatal with pflag's messages. */
function parseFlags(argv, table) {
  const shorts = Object.fromEntries(
    Object.entries(table)
      .filter(([, v]) => v[1])
      .map(([k, v]) => [v[1], k])
  )
  return parsePflags(argv, {
    type: (name) => table[name]?.[0],
    shorthand: (letter) => shorts[letter],
    isBool: (type) => type === 'bool',
    convert,
    fail: (message) => {
      throw new Fatal(message)
    }
  })
}

function convert(name, type, value, shown, previous) {
  const invalid = (why) =>
    new Fatal(`invalid argument ${JSON.stringify(value)} for "${shown}" flag: ${why}`)
  if (type === 'bool') {
    if (/^(1|t|T|TRUE|true|True)$/.test(value)) return true
    if (/^(0|f|F|FALSE|false|False)$/.test(value)) return false
    throw invalid(`strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`)
  }
  if (type === 'int') {
    if (!/^-?\d+$/.test(value))
      throw invalid(`strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`)
    return Number(value)
  }
  if (type === 'duration' && !/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$|^0$/.test(value)) {
    throw invalid(`time: invalid duration ${JSON.stringify(value)}`)
  }
  if (type === 'strings') return [...(previous ?? []), ...csvSplit(value)]
  return value
}

/** Flags not given on the command line come from TRIVY_<FLAG> as viper binds them. */
function withEnv(flags, table) {
  for (const [name, [type, short]] of Object.entries(table)) {
    const value = process.env[`TRIVY_${name.toUpperCase().replace(/-/g, '_')}`]
    if (flags[name] === undefined && value !== undefined && value !== '') {
      const shown = short ? `-${short}, --${name}` : `--${name}`
      // viper hands env values to string slices split on whitespace, and trivy then on commas.
      flags[name] =
        type === 'strings'
          ? value.split(/[\s,]+/).filter(Boolean)
          : convert(name, type, value, shown)
    }
  }
  return flags
}

function defaultCacheDir() {
  if (platform() === 'darwin') return join(homedir(), 'Library', 'Caches', 'trivy')
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'trivy')
}

function readDbMetadata(cacheDir) {
  const dir = join(cacheDir, 'db')
  try {
    if (!existsSync(join(dir, 'trivy.db'))) return undefined
    return JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8'))
  } catch {
    return undefined
  }
}

/** `ghcr.io/x/trivy-db` -> `ghcr.io/x/trivy-db:2`, as trivy adds the schema version tag. */
const withDbTag = (repo) => (/[:@][^/]*$/.test(repo) ? repo : `${repo}:2`)

function ensureDb(cacheDir, repositories, skipUpdate) {
  const dir = join(cacheDir, 'db')
  const metadata = readDbMetadata(cacheDir)
  if (!metadata) {
    if (skipUpdate) {
      log('ERROR', '[vulndb] The first run cannot skip downloading DB')
      throw new Fatal(
        'run error: init error: DB error: database error: --skip-db-update cannot be specified on the first run'
      )
    }
  } else if (skipUpdate || Date.parse(metadata.NextUpdate) > Date.now()) {
    return
  }
  log('INFO', '[vulndb] Need to update DB')
  log('INFO', '[vulndb] Downloading vulnerability DB...')
  const limited = (process.env.STANDIN_TRIVY_RATE_LIMITED ?? '')
    .split(',')
    .filter(Boolean)
    .map(withDbTag)
  const errors = []
  const repos = repositories.map(withDbTag)
  for (const [index, repo] of repos.entries()) {
    log('INFO', '[vulndb] Downloading artifact...', { repo })
    if (limited.includes(repo)) {
      const { host, repository, reference } = parseImage(repo)
      const url = `https://${host}/v2/${repository}/manifests/${reference}`
      const err = `OCI repository error: ${multiError([`GET ${url}: TOOMANYREQUESTS: retry-after: 1.203805ms, allowed: 44000/minute`])}`
      log('ERROR', '[vulndb] Failed to download artifact', { repo, err })
      if (index < repos.length - 1)
        log('INFO', '[vulndb] Trying to download artifact from other repository...')
      errors.push(err)
      continue
    }
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'trivy.db'), `stand-in trivy-db from ${repo}\n`)
    const updated = new Date()
    const next = new Date(updated.getTime() + 24 * 3600 * 1000)
    writeFileSync(
      join(dir, 'metadata.json'),
      JSON.stringify({ Version: 2, NextUpdate: next, UpdatedAt: updated, DownloadedAt: updated })
    )
    // Marker for tests: one line per download, so a reused DB shows as no new line.
    appendFileSync(join(dir, 'standin-downloads.log'), `${updated.toISOString()}\t${repo}\n`)
    log('INFO', '[vulndb] Artifact successfully downloaded', { repo })
    return
  }
  throw new Fatal(
    'run error: init error: DB error: failed to download vulnerability DB: OCI artifact error: failed to download ' +
      `vulnerability DB: failed to download artifact from any source: ${multiError(errors)}`
  )
}

function parseImage(target) {
  let rest = target
  let reference
  const at = rest.indexOf('@')
  if (at !== -1) [rest, reference] = [rest.slice(0, at), rest.slice(at + 1)]
  const colon = rest.lastIndexOf(':')
  if (colon > rest.lastIndexOf('/')) {
    reference ??= rest.slice(colon + 1)
    rest = rest.slice(0, colon)
  }
  const parts = rest.split('/')
  let host = 'index.docker.io'
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0])) host = parts.shift()
  if (host === 'index.docker.io' && parts.length === 1) parts.unshift('library')
  return { host, repository: parts.join('/'), reference: reference ?? 'latest' }
}

function send(method, url, headers) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks = []
      res.on('data', (chunk) => chunks.push(chunk))
      res.on('end', () =>
        resolve({
          status: res.statusCode,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8')
        })
      )
    })
    req.on('error', reject)
    req.end()
  })
}

function credentials(host, flags) {
  const username = flags.username?.[0]
  const password = flags.password?.[0]
  if (username && password) return { username, password }
  // No Docker config: anonymous, as trivy's keychain does.
  return dockerCredentials(host)
}

/** A registry request with the auth dance go-containerregistry does (basic, or bearer via the realm). */
async function registryRequest(method, host, path, accept, creds) {
  const url = `http://${host}${path}`
  const headers = { Accept: accept }
  let res = await send(method, url, headers)
  if (res.status !== 401) return res
  const challenge = String(res.headers['www-authenticate'] ?? '')
  const basic = creds ? basicAuth(creds) : undefined
  if (/^basic/i.test(challenge) && basic)
    return send(method, url, { ...headers, Authorization: basic })
  const params = Object.fromEntries(
    [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]])
  )
  if (/^bearer/i.test(challenge) && params.realm && isLoopback(new URL(params.realm).host)) {
    const tokenUrl = new URL(params.realm)
    if (params.service) tokenUrl.searchParams.set('service', params.service)
    if (params.scope) tokenUrl.searchParams.set('scope', params.scope)
    const token = await send('GET', tokenUrl, basic ? { Authorization: basic } : {})
    if (token.status === 200) {
      const body = JSON.parse(token.body)
      return send(method, url, {
        ...headers,
        Authorization: `Bearer ${body.token ?? body.access_token}`
      })
    }
  }
  return res
}

/** Looks the image up in the registry; returns metadata for the report or throws a string error. */
async function remoteImage(target, flags) {
  const { host, repository, reference } = parseImage(target)
  const path = `/v2/${repository}/manifests/${reference}`
  if (!isLoopback(host)) {
    throw `remote error: GET https://${host}${path}: dial tcp: lookup ${host.replace(/:\d+$/, '')}: no such host`
  }
  const creds = credentials(host, flags)
  let res
  try {
    res = await registryRequest('HEAD', host, path, MANIFEST_TYPES.join(','), creds)
  } catch (error) {
    throw `remote error: Get "http://${host}/v2/": dial tcp ${host}: connect: ${error.code === 'ECONNREFUSED' ? 'connection refused' : error.message}`
  }
  if (res.status === 404)
    throw `remote error: GET http://${host}${path}: MANIFEST_UNKNOWN: manifest unknown; map[Tag:${reference}]`
  if (res.status === 401)
    throw `remote error: GET http://${host}${path}: UNAUTHORIZED: authentication required`
  if (res.status !== 200)
    throw `remote error: GET http://${host}${path}: unexpected status code ${res.status}`
  const digest =
    res.headers['docker-content-digest'] ??
    (reference.startsWith('sha256:') ? reference : undefined)
  const manifest = JSON.parse(
    (await registryRequest('GET', host, path, MANIFEST_TYPES.join(','), creds)).body
  )
  let image = manifest
  if (manifest.manifests) {
    const wanted = flags.platform ?? 'linux/amd64'
    // `linux/arm64` matches any variant of it; `linux/arm/v7` only that variant.
    const child = manifest.manifests.find(({ platform: p = {} }) =>
      [`${p.os}/${p.architecture}`, `${p.os}/${p.architecture}/${p.variant}`].includes(wanted)
    )
    if (!child) throw `remote error: no child with platform ${wanted} in index ${target}`
    const childPath = `/v2/${repository}/manifests/${child.digest}`
    image = JSON.parse(
      (await registryRequest('GET', host, childPath, MANIFEST_TYPES.join(','), creds)).body
    )
  }
  const blobPath = (blob) => `/v2/${repository}/blobs/${blob}`
  const imageId = image.config?.digest
  let config = {}
  if (imageId) {
    const res = await registryRequest('GET', host, blobPath(imageId), '*/*', creds)
    if (res.status !== 200)
      throw `remote error: GET http://${host}${blobPath(imageId)}: BLOB_UNKNOWN: blob unknown to registry; ${imageId}`
    config = JSON.parse(res.body)
  }
  const name = `${host === 'index.docker.io' ? '' : host + '/'}${repository}`
  return {
    imageId,
    config,
    repoDigests: digest ? [`${name}@${digest}`] : [],
    repoTags: reference.startsWith('sha256:') ? [] : [`${name}:${reference}`],
    /** Downloads each layer as trivy's analyzers do; throws trivy's error for a missing one. */
    async pullLayers() {
      for (const layer of image.layers ?? []) {
        const res = await registryRequest('HEAD', host, blobPath(layer.digest), '*/*', creds)
        if (res.status === 200) continue
        const diffId = config.rootfs?.diff_ids?.[image.layers.indexOf(layer)] ?? layer.digest
        throw new Fatal(
          `run error: image scan error: scan error: scan failed: failed analysis: analyze error: pipeline error: failed to analyze layer (${diffId}): unable to get uncompressed layer ${diffId}: failed to get the layer content (${layer.digest}): failed to get the layer: GET http://${host}${blobPath(layer.digest)}: ${res.status === 404 ? `BLOB_UNKNOWN: blob unknown to registry; ${layer.digest}` : `unexpected status code ${res.status}`}`
        )
      }
    }
  }
}

async function findImage(target, flags) {
  const sources = flags['image-src'] ?? IMAGE_SOURCES
  for (const source of sources) {
    if (!IMAGE_SOURCES.includes(source))
      throw new Fatal(`flag error: image source error: unknown image source: ${source}`)
  }
  const local = (process.env.STANDIN_TRIVY_LOCAL_IMAGES ?? '').split(',').filter(Boolean)
  const errors = []
  for (const source of sources) {
    try {
      if (source === 'remote') return await remoteImage(target, flags)
      if (local.includes(target)) return { repoTags: [target], repoDigests: [] }
      throw `${source} error: unable to inspect the image (${target}): Error response from daemon: No such image: ${target}`
    } catch (error) {
      errors.push(String(error))
    }
  }
  throw new Fatal(
    'run error: image scan error: scan error: unable to initialize a scan service: unable to initialize an image scan ' +
      `service: unable to find the specified image ${JSON.stringify(target)} in [${sources.map((s) => JSON.stringify(s)).join(' ')}]: ${multiError(errors)}`
  )
}

/** The names in a tar archive (gzip or not), or the reason it is not one (a bad header checksum). */
function tarEntries(bytes) {
  const data = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes
  const names = []
  for (let at = 0; at + 512 <= data.length;) {
    const header = data.subarray(at, at + 512)
    if (header.every((byte) => byte === 0)) return names
    const field = (from, length) =>
      header
        .subarray(from, from + length)
        .toString('latin1')
        .replace(/\0.*$/s, '')
        .trim()
    let sum = 0
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i]
    if (parseInt(field(148, 8), 8) !== sum) throw new Error('archive/tar: invalid tar header')
    names.push(field(0, 100).replace(/^\.\//, ''))
    at += 512 + Math.ceil(parseInt(field(124, 12), 8) / 512) * 512
  }
  throw new Error('unexpected EOF')
}

/**
 * What `trivy image --input` opens: a Docker archive (`docker save`: a tar, gzip or not, with
 * manifest.json) or an OCI image layout (a directory, or a tar of one, with index.json). Anything
 * else fails as trivy fails, with both attempts in one multi-error.
 */
function openArchive(file) {
  let docker
  let oci
  if (statSync(file).isDirectory()) {
    docker = `read ${file}: is a directory`
    if (existsSync(join(file, 'index.json'))) return
    oci = `unable to retrieve index.json: open ${join(file, 'index.json')}: no such file or directory`
  } else {
    try {
      const names = tarEntries(readFileSync(file))
      if (names.includes('manifest.json')) return
      if (names.includes('index.json') && names.includes('oci-layout')) return
      docker = 'file manifest.json not found in tar'
    } catch (error) {
      docker = error.message
    }
    oci = `unable to retrieve index.json: open ${file}/index.json: not a directory`
  }
  throw new Fatal(
    'run error: image scan error: scan error: unable to initialize a scan service: unable to initialize an image scan service: ' +
      multiError([
        `unable to open ${file} as a Docker image: ${docker}`,
        `unable to open ${file} as an OCI Image: ${oci}`
      ])
  )
}

function ignoredIds(file) {
  if (!file || !existsSync(file)) return new Set()
  const text = readFileSync(file, 'utf8')
  if (/\.ya?ml$/.test(file))
    return new Set([...text.matchAll(/^\s*-?\s*id:\s*["']?([^"'\s#]+)/gm)].map((m) => m[1]))
  const ids = new Set()
  for (const line of text.split('\n')) {
    const [id, ...rest] = line.trim().split(/\s+/)
    if (!id || id.startsWith('#')) continue
    const expiry = rest.find((part) => part.startsWith('exp:'))
    if (!expiry || Date.parse(expiry.slice(4)) > Date.now()) ids.add(id)
  }
  return ids
}

/** IDs a VEX document (OpenVEX or CycloneDX) says are not exploitable. */
function vexSuppressed(files) {
  const ids = new Set()
  for (const file of files) {
    let doc
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'))
    } catch (error) {
      throw new Fatal(
        `run error: VEX error: unable to load VEX: ${error.code === 'ENOENT' ? `open ${file}: no such file or directory` : 'invalid JSON'}`
      )
    }
    for (const s of doc.statements ?? []) {
      if (['not_affected', 'fixed'].includes(s.status))
        ids.add(s.vulnerability?.name ?? s.vulnerability?.['@id'])
    }
    for (const v of doc.vulnerabilities ?? []) {
      if (['not_affected', 'false_positive', 'resolved'].includes(v.analysis?.state)) ids.add(v.id)
    }
  }
  return ids
}

/** Applies the report filters of a scan (or of `convert`) to a parsed report, in place. */
function filterReport(report, flags, scanners) {
  const severities = flags.severity ?? SEVERITIES
  for (const s of severities)
    if (!SEVERITIES.includes(s)) throw new Fatal(`flag error: unknown severity option: ${s}`)
  const ignored = ignoredIds(flags.ignorefile ?? '.trivyignore')
  const suppressed = vexSuppressed(flags.vex ?? [])
  const keep = (list, pred) => {
    const kept = (list ?? []).filter(pred)
    return kept.length > 0 ? kept : undefined
  }
  const fixed = (v) => (v.Status ? v.Status === 'fixed' : Boolean(v.FixedVersion))
  report.Results = (report.Results ?? []).filter(
    (r) => scanners.includes('misconfig') || r.Class !== 'config'
  )
  for (const result of report.Results) {
    const sev = (f) => severities.includes(f.Severity ?? 'UNKNOWN')
    result.Vulnerabilities = scanners.includes('vuln')
      ? keep(
          result.Vulnerabilities,
          (v) =>
            sev(v) &&
            !ignored.has(v.VulnerabilityID) &&
            !suppressed.has(v.VulnerabilityID) &&
            (!flags['ignore-unfixed'] || fixed(v))
        )
      : undefined
    result.Misconfigurations = scanners.includes('misconfig')
      ? keep(result.Misconfigurations, (m) => sev(m) && !ignored.has(m.ID) && !ignored.has(m.AVDID))
      : undefined
    result.Secrets = scanners.includes('secret')
      ? keep(result.Secrets, (s) => sev(s) && !ignored.has(s.RuleID))
      : undefined
    result.Licenses = scanners.includes('license')
      ? keep(result.Licenses, (l) => sev(l) && !ignored.has(l.Name))
      : undefined
    if (flags['list-all-pkgs'] === false) delete result.Packages
    for (const key of ['Vulnerabilities', 'Misconfigurations', 'Secrets', 'Licenses'])
      if (!result[key]) delete result[key]
  }
  return report
}

function countFindings(report) {
  let count = 0
  for (const r of report.Results ?? []) {
    count += (r.Vulnerabilities ?? []).length + (r.Secrets ?? []).length + (r.Licenses ?? []).length
    count += (r.Misconfigurations ?? []).filter((m) => m.Status === 'FAIL').length
  }
  return count
}

function sarif(report) {
  const rules = []
  const results = []
  const level = {
    CRITICAL: 'error',
    HIGH: 'error',
    MEDIUM: 'warning',
    LOW: 'note',
    UNKNOWN: 'note'
  }
  for (const r of report.Results ?? []) {
    for (const v of r.Vulnerabilities ?? []) {
      let ruleIndex = rules.findIndex((rule) => rule.id === v.VulnerabilityID)
      if (ruleIndex === -1) {
        ruleIndex =
          rules.push({
            id: v.VulnerabilityID,
            name: 'Vulnerability',
            shortDescription: { text: v.Title ?? v.VulnerabilityID },
            helpUri: v.PrimaryURL
          }) - 1
      }
      results.push({
        ruleId: v.VulnerabilityID,
        ruleIndex,
        level: level[v.Severity] ?? 'note',
        message: {
          text: `Package: ${v.PkgName}\nInstalled Version: ${v.InstalledVersion}\nVulnerability ${v.VulnerabilityID}\nSeverity: ${v.Severity}\nFixed Version: ${v.FixedVersion ?? ''}`
        },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: report.ArtifactName, uriBaseId: 'ROOTPATH' },
              region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 }
            }
          }
        ]
      })
    }
  }
  const driver = {
    fullName: 'Trivy Vulnerability Scanner',
    informationUri: 'https://github.com/aquasecurity/trivy',
    name: 'Trivy',
    rules,
    version: VERSION
  }
  return {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [{ tool: { driver }, results, columnKind: 'utf16CodeUnits' }]
  }
}

function table(report) {
  const lines = []
  for (const r of report.Results ?? []) {
    const vulns = r.Vulnerabilities ?? []
    const counts = SEVERITIES.map(
      (s) => `${s}: ${vulns.filter((v) => v.Severity === s).length}`
    ).join(', ')
    lines.push('', r.Target, '='.repeat(r.Target.length), `Total: ${vulns.length} (${counts})`, '')
    for (const v of vulns)
      lines.push(
        `${v.PkgName}\t${v.VulnerabilityID}\t${v.Severity}\t${v.InstalledVersion}\t${v.FixedVersion ?? ''}`
      )
  }
  return lines.join('\n') + '\n'
}

function render(report, flags, started) {
  const format = flags.format ?? 'table'
  if (!FORMATS.includes(format))
    throw new Fatal(`flag error: report flag error: unknown format: ${format}`)
  let text
  if (format === 'json') text = JSON.stringify(report, null, 2)
  else if (format === 'sarif') text = JSON.stringify(sarif(report), null, 2)
  else if (format === 'table') text = table(report)
  else if (format === 'cosign-vuln') {
    const predicate = {
      invocation: { parameters: null, uri: '', event_id: '', 'builder.id': '' },
      scanner: {
        uri: `pkg:github/aquasecurity/trivy@${VERSION}`,
        version: VERSION,
        db: { uri: '', version: '' },
        result: report
      },
      metadata: { scanStartedOn: started, scanFinishedOn: now() }
    }
    text = JSON.stringify(predicate, null, 2)
  } else if (format === 'cyclonedx') {
    text = JSON.stringify(cyclonedx(report, VERSION), null, 2)
  } else throw new Fatal(`stand-in trivy does not simulate --format ${format}`)
  if (!flags.output) return void process.stdout.write(text)
  try {
    writeFileSync(flags.output, text)
  } catch (error) {
    throw new Fatal(
      `run error: report error: failed to create an output file: open ${flags.output}: ${error.code === 'ENOENT' ? 'no such file or directory' : error.message}`
    )
  }
}

/**
 * The scan cache (--cache-backend): `fs` (default, a bolt file in the cache dir), `memory`, or a
 * redis URL; trivy refuses anything else once it sets the scan up.
 */
function checkCacheBackend(backend) {
  const prefix =
    'run error: image scan error: scan error: unable to initialize a scan service: unable to initialize cache: '
  if (['fs', '', 'memory'].includes(backend)) return
  if (backend.startsWith('redis://'))
    throw new Fatal(`${prefix}unable to initialize redis cache: the trivy stand-in has no network`)
  throw new Fatal(`${prefix}unknown cache type: unknown`)
}

const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/**
 * trivy's fs scan cache is a bolt file (<cache-dir>/fanal/fanal.db) that one process holds with an
 * exclusive lock for its whole run; another waits 5 s for it and gives up. A lock file stands in
 * for the flock (with the holder's pid, so a killed holder does not keep it, as a flock would not).
 */
function lockScanCache(cacheDir) {
  const dir = join(cacheDir, 'fanal')
  mkdirSync(dir, { recursive: true })
  const lock = join(dir, 'fanal.db.standin-lock')
  const deadline = Date.now() + 5000
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' })
      process.on('exit', () => rmSync(lock, { force: true }))
      return
    } catch (error) {
      if (error.code !== 'EEXIST') throw error
    }
    try {
      process.kill(Number(readFileSync(lock, 'utf8')), 0)
    } catch (error) {
      if (error.code === 'ENOENT') continue
      if (error.code === 'ESRCH') {
        // The holder died (a flock dies with it): take the lock over.
        rmSync(lock, { force: true })
        continue
      }
    }
    if (Date.now() > deadline) {
      throw new Fatal(
        'run error: image scan error: scan error: unable to initialize a scan service: unable to initialize cache: unable to initialize fs cache: cache may be in use by another process: timeout'
      )
    }
    sleepSync(50)
  }
}

/**
 * What --list-all-pkgs adds: every package of each result. A report written without it lists none;
 * the stand-in then lists the packages its findings name, in trivy's Package shape.
 */
function listPackages(report) {
  for (const result of report.Results ?? []) {
    if (result.Packages || !result.Vulnerabilities) continue
    const seen = new Map()
    for (const v of result.Vulnerabilities) {
      const id = v.PkgID ?? `${v.PkgName}@${v.InstalledVersion}`
      if (seen.has(id)) continue
      seen.set(id, {
        ID: id,
        Name: v.PkgName,
        ...(v.PkgIdentifier ? { Identifier: v.PkgIdentifier } : {}),
        Version: v.InstalledVersion,
        ...(v.Layer ? { Layer: v.Layer } : {})
      })
    }
    result.Packages = [...seen.values()].sort((a, b) => (a.ID < b.ID ? -1 : 1))
  }
}

function baseReport(labelled) {
  const file = labelled ?? process.env.STANDIN_TRIVY_REPORT
  if (!file) {
    return {
      Metadata: { OS: { Family: 'alpine', Name: '3.20.3' } },
      Results: [{ Target: 'image (alpine 3.20.3)', Class: 'os-pkgs', Type: 'alpine' }]
    }
  }
  if (!file.startsWith('/'))
    throw new Fatal(`the stand-in's report must be an absolute path, got ${file}`)
  return JSON.parse(readFileSync(file, 'utf8'))
}

async function scanImage(argv) {
  const { flags, args } = parseFlags(argv, { ...GLOBAL_FLAGS, ...IMAGE_FLAGS })
  withEnv(flags, { ...GLOBAL_FLAGS, ...IMAGE_FLAGS })
  quiet = flags.quiet === true
  if (flags.help) {
    process.stdout.write(USAGE.image)
    return 0
  }
  const started = now()
  if (!flags.input && args.length === 0 && !flags['download-db-only'])
    throw new Fatal('Require at least 1 argument or --input option')
  if (args.length > 1) throw new Fatal('multiple targets cannot be specified')
  if (flags['download-db-only'] && flags['skip-db-update'])
    throw new Fatal(
      'flag error: unable to convert flags to options: --skip-db-update and --download-db-only options can not be specified both'
    )
  const scanners = flags.scanners ?? ['vuln', 'secret']
  for (const s of scanners)
    if (!SCANNERS.includes(s)) throw new Fatal(`flag error: scan flag error: unknown scanner: ${s}`)
  if (process.env.STANDIN_TRIVY_CRASH === 'panic') {
    process.stderr.write(
      'panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x1b2c3d4]\n\ngoroutine 1 [running]:\ngithub.com/aquasecurity/trivy/pkg/fanal/analyzer.(*AnalyzerGroup).AnalyzeFile(...)\n'
    )
    process.exit(2)
  }
  const cacheDir = flags['cache-dir'] ?? defaultCacheDir()
  if (scanners.includes('vuln') || flags['download-db-only']) {
    ensureDb(
      cacheDir,
      flags['db-repository'] ?? DEFAULT_DB_REPOSITORIES,
      flags['skip-db-update'] === true
    )
  }
  if (flags['download-db-only']) return 0
  const backend = flags['cache-backend'] ?? 'fs'
  checkCacheBackend(backend)
  if (backend === 'fs' || backend === '') lockScanCache(cacheDir)
  if (process.env.STANDIN_TRIVY_CRASH === '1') {
    throw new Fatal(
      'run error: image scan error: scan error: scan failed: failed analysis: analyze error: pipeline error: failed to analyze layer (sha256:2f7f5a0c1c0d): walk error: read /usr/lib/libz.so.1: unexpected EOF'
    )
  }
  let image
  let name
  if (flags.input) {
    if (!existsSync(flags.input)) {
      throw new Fatal(
        `run error: image scan error: scan error: unable to initialize a scan service: unable to initialize an image scan service: unable to open ${flags.input} as a Docker image: open ${flags.input}: no such file or directory`
      )
    }
    openArchive(flags.input)
    image = { repoTags: [], repoDigests: [] }
    name = flags.input
  } else {
    name = args[0]
    image = await findImage(name, flags)
  }
  await image.pullLayers?.()
  const scanMs = Number(process.env.STANDIN_TRIVY_SCAN_MS ?? 0)
  if (scanMs > 0) await new Promise((resolve) => setTimeout(resolve, scanMs))
  const base = baseReport(image.config?.config?.Labels?.[REPORT_LABEL])
  if (flags['list-all-pkgs'] !== false) listPackages(base)
  log('INFO', 'Detected OS', {
    family: base.Metadata?.OS?.Family ?? 'none',
    version: base.Metadata?.OS?.Name ?? ''
  })
  const oldName = base.ArtifactName
  const report = {
    SchemaVersion: 2,
    Trivy: { Version: VERSION },
    ReportID: randomUUID(),
    CreatedAt: new Date().toISOString(),
    ArtifactID: image.imageId ?? base.ArtifactID,
    ArtifactName: name,
    ArtifactType: 'container_image',
    Metadata: {
      ...base.Metadata,
      ImageID: image.imageId ?? base.Metadata?.ImageID,
      // trivy puts the image's own config here: the platform a scan by digest really read.
      ...(image.config?.architecture ? { ImageConfig: image.config } : {}),
      // omitempty in trivy: an image pulled by digest has no RepoTags key at all.
      ...(image.repoTags?.length ? { RepoTags: image.repoTags } : {}),
      ...(image.repoDigests?.length ? { RepoDigests: image.repoDigests } : {}),
      Reference: name
    },
    Results: (base.Results ?? []).map((r) => ({
      ...r,
      Target:
        oldName && r.Target.startsWith(oldName)
          ? name + r.Target.slice(oldName.length)
          : r.Target.replace(/^image /, `${name} `)
    }))
  }
  filterReport(report, flags, scanners)
  render(report, flags, started)
  return flags['exit-code'] && countFindings(report) > 0 ? flags['exit-code'] : 0
}

function convertReport(argv) {
  // convert takes --scanners too: only the summary table reads it.
  const table = { ...GLOBAL_FLAGS, ...REPORT_FLAGS, scanners: ['strings'] }
  const { flags, args } = parseFlags(argv, table)
  withEnv(flags, table)
  quiet = flags.quiet === true
  if (flags.help) {
    process.stdout.write(USAGE.convert)
    return 0
  }
  if (args.length !== 1) throw new Fatal(`accepts 1 arg(s), received ${args.length}`)
  if (flags.format === 'cyclonedx' && !flags.scanners)
    log(
      'INFO',
      '"--format cyclonedx" disables security scanning. Specify "--scanners vuln" explicitly if you want to include vulnerabilities in the "cyclonedx" report.'
    )
  let text
  try {
    text = readFileSync(args[0], 'utf8')
  } catch (error) {
    throw new Fatal(
      `file open error: open ${args[0]}: ${error.code === 'ENOENT' ? 'no such file or directory' : error.message}`
    )
  }
  let report
  try {
    report = JSON.parse(text)
  } catch (error) {
    throw new Fatal(`json decode error: ${error.message}`)
  }
  if (!report.ArtifactName && !report.ArtifactType)
    throw new Fatal('AWS and Kubernetes scanning reports are not yet supported')
  if (report.SchemaVersion !== 2)
    throw new Fatal(`run error: unsupported schema version: ${report.SchemaVersion}`)
  filterReport(report, flags, SCANNERS)
  render(report, flags, now())
  return flags['exit-code'] && countFindings(report) > 0 ? flags['exit-code'] : 0
}

function printVersion(flags) {
  const db = readDbMetadata(flags['cache-dir'] ?? process.env.TRIVY_CACHE_DIR ?? defaultCacheDir())
  if (flags.format === 'json') {
    process.stdout.write(
      JSON.stringify({ Version: VERSION, ...(db ? { VulnerabilityDB: db } : {}) }) + '\n'
    )
    return 0
  }
  let text = `Version: ${VERSION}\n`
  if (db)
    text += `Vulnerability DB:\n  Version: ${db.Version}\n  UpdatedAt: ${db.UpdatedAt}\n  NextUpdate: ${db.NextUpdate}\n  DownloadedAt: ${db.DownloadedAt}\n`
  process.stdout.write(text)
  return 0
}

async function main(argv) {
  if (process.env.IMGSEC_STANDIN_LOG) {
    appendFileSync(
      process.env.IMGSEC_STANDIN_LOG,
      JSON.stringify({ tool: 'trivy', argv, cwd: process.cwd(), at: Date.now() }) + '\n'
    )
  }
  // Global flags may come before the subcommand: find the first positional argument.
  let index = 0
  while (index < argv.length && argv[index].startsWith('-')) {
    const name = argv[index].replace(/^--?/, '').split('=')[0]
    const spec = GLOBAL_FLAGS[name] ?? Object.values(GLOBAL_FLAGS).find((v) => v[1] === name)
    index += spec && spec[0] !== 'bool' && !argv[index].includes('=') ? 2 : 1
  }
  const command = argv[index]
  const rest = [...argv.slice(0, index), ...argv.slice(index + 1)]
  if (command === undefined) {
    const { flags } = parseFlags(argv, GLOBAL_FLAGS)
    if (flags.version) return printVersion(withEnv(flags, GLOBAL_FLAGS))
    process.stdout.write(
      'Scanner for vulnerabilities in container images, file systems, and Git repositories\n\nUsage:\n  trivy [global flags] command [flags] target\n'
    )
    return 0
  }
  if (command === 'version')
    return printVersion(parseFlags(rest, { ...GLOBAL_FLAGS, ...VERSION_FLAGS }).flags)
  if (command === 'image' || command === 'i') {
    usage = USAGE.image
    return scanImage(rest)
  }
  if (command === 'convert') {
    usage = USAGE.convert
    return convertReport(rest)
  }
  throw new Fatal(`unknown command "${command}" for "trivy"`)
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    if (!(error instanceof Fatal)) throw error
    if (/^(unknown (shorthand )?flag|flag needs|invalid argument)/.test(error.message)) {
      // trivy's flagErrorFunc prints the command's usage before the error.
      process.stdout.write(usage + '\n')
    }
    log('FATAL', `Fatal error\t${error.message}`)
    process.exit(1)
  }
)
