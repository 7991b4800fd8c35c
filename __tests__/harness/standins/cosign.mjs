#!/usr/bin/env node
// Stand-in for sigstore's `cosign` (v3 CLI) in imgsec-action's tests: the same commands, flags, error
// texts and exit codes for what the action uses, and signatures stored where cosign stores them, over
// the registry API: as v3 does, a Sigstore bundle (application/vnd.dev.sigstore.bundle.v0.3+json) in
// an OCI 1.1 referrer of the image, listed by the referrers API or, on a registry without it, in the
// fallback index tagged `sha256-<hex>`; as v2 does (or v3 with --new-bundle-format=false), layers of
// the `sha256-<hex>.sig` / `.att` tags. `verify` lists attestation bundles beside signatures, as
// v3 does, and `tree` shows where everything is. Only loopback
// registries and token servers are reachable: it never touches the network. Key files are encrypted
// with scrypt + AES-256-GCM (cosign uses nacl/secretbox, which node:crypto lacks): same PEM type and
// password handling, not interchangeable with real cosign keys.
import * as crypto from 'node:crypto'
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { basicAuth, csvSplit, dockerCredentials, isLoopback, parsePflags } from './common.mjs'

const VERSION = '0.0.0-standin'
// The packager replaces VERSION; the untouched placeholder behaves like the current (v3) line.
const V3 = Number(VERSION.split('.')[0]) !== 2
const SIG_TYPE = 'cosign container image signature'
const VULN_TYPE = 'https://cosign.sigstore.dev/attestation/vuln/v1'
const CYCLONEDX_TYPE = 'https://cyclonedx.org/bom'
// cosign's --type names (cmd/cosign/cli/options/predicate.go); anything else must be a URI.
const PREDICATE_TYPES = {
  custom: 'https://cosign.sigstore.dev/attestation/v1',
  slsaprovenance: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance02: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance1: 'https://slsa.dev/provenance/v1',
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  cyclonedx: CYCLONEDX_TYPE,
  link: 'https://in-toto.io/Link/v1',
  vuln: VULN_TYPE,
  openvex: 'https://openvex.dev/ns'
}
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
const ACCEPT = [
  OCI_MANIFEST,
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json'
].join(', ')
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
const OCI_EMPTY = 'application/vnd.oci.empty.v1+json'
const BUNDLE_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json'
const SIGN_V3_TYPE = 'https://sigstore.dev/cosign/sign/v1'
const PREDICATE_ANNOTATION = 'dev.sigstore.bundle.predicateType'
const SIG_ANNOTATION = 'dev.cosignproject.cosign/signature'
const CERT_ANNOTATION = 'dev.sigstore.cosign/certificate'
const BUNDLE_ANNOTATION = 'dev.sigstore.cosign/bundle'

class CliError extends Error {}
const fail = (message) => {
  throw new CliError(message)
}
const warn = (message) => process.stderr.write(`${message}\n`)
const b64 = (data) => Buffer.from(data).toString('base64')
const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex')

// ---- flags: cobra/pflag syntax, with viper's COSIGN_<FLAG> environment fallback ----
// s: string, b: bool, a: repeatable string, l: repeatable comma-separated (CSV) list
const SHORT = {
  t: 'timeout',
  d: 'verbose',
  h: 'help',
  a: 'annotations',
  y: 'yes',
  r: 'recursive',
  o: 'output'
}
const GLOBAL = { 'output-file': 's', timeout: 's', verbose: 'b', help: 'b' }
const REGISTRY = {
  'allow-http-registry': 'b',
  'allow-insecure-registry': 'b',
  'registry-referrers-mode': 's'
}
const SIGNING = {
  ...REGISTRY,
  key: 's',
  yes: 'b',
  'signing-config': 's',
  'use-signing-config': 'b',
  'tlog-upload': 'b',
  'new-bundle-format': 'b',
  'identity-token': 's',
  'oidc-provider': 's',
  'oidc-issuer': 's',
  recursive: 'b',
  upload: 'b'
}
const VERIFYING = {
  ...REGISTRY,
  key: 's',
  'certificate-identity': 's',
  'certificate-identity-regexp': 's',
  'certificate-oidc-issuer': 's',
  'certificate-oidc-issuer-regexp': 's',
  'insecure-ignore-tlog': 'b',
  'insecure-ignore-sct': 'b',
  output: 's',
  'check-claims': 'b',
  'trusted-root': 's'
}
const SERVICES = {
  out: 's',
  'with-default-services': 'b',
  'no-default-fulcio': 'b',
  'no-default-rekor': 'b',
  'no-default-oidc': 'b',
  'no-default-tsa': 'b',
  fulcio: 'a',
  rekor: 'a',
  'oidc-provider': 'a',
  tsa: 'a',
  'rekor-config': 's',
  'tsa-config': 's'
}
const COMMANDS = {
  version: [{ json: 'b' }, version],
  'generate-key-pair': [{ 'output-key-prefix': 's' }, generateKeyPair],
  'public-key': [{ key: 's', outfile: 's' }, publicKey],
  sign: [{ ...SIGNING, annotations: 'l' }, sign],
  attest: [{ ...SIGNING, type: 's', predicate: 's', replace: 'b' }, attest],
  verify: [{ ...VERIFYING, annotations: 'l' }, verify],
  'verify-attestation': [{ ...VERIFYING, type: 's' }, verifyAttestation],
  tree: [{ ...REGISTRY }, tree],
  'signing-config create': [SERVICES, signingConfigCreate]
}

const truthy = (value) => /^(1|t|true)$/i.test(value)

/** A flag's value as cobra stores it: a bool, a string, or a list (repeated, or also split as CSV). */
function convert(name, type, value, shown, previous) {
  if (type === 'b') {
    if (!/^(1|0|t|f|true|false)$/i.test(value)) {
      fail(
        `invalid argument "${value}" for "--${name}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`
      )
    }
    return truthy(value)
  }
  if (type === 's') return value
  return [...(previous ?? []), ...(type === 'l' ? csvSplit(value) : [value])]
}

function parseFlags(argv, spec) {
  const { flags, args: positional } = parsePflags(argv, {
    type: (name) => spec[name],
    shorthand: (letter) => SHORT[letter],
    isBool: (type) => type === 'b',
    convert,
    fail
  })
  for (const [name, type] of Object.entries(spec)) {
    const env = process.env[`COSIGN_${name.toUpperCase().replace(/-/g, '_')}`]
    if (name in flags || env === undefined) continue
    flags[name] =
      type === 'b' ? truthy(env) : type === 's' ? env : type === 'l' ? csvSplit(env) : [env]
  }
  return { flags, positional }
}

// ---- registry client: the distribution API over plain HTTP, loopback only ----
function parseRef(text) {
  const m = /^([^/]+)\/([a-z0-9._/-]+?)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(
    text
  )
  if (!m || !/[.:]|^localhost$/.test(m[1]))
    fail(`parsing reference: could not parse reference: ${text}`)
  const [, registry, repository, tag, digest] = m
  assertLoopback(registry)
  return { registry, repository, tag, digest, name: `${registry}/${repository}` }
}

function assertLoopback(hostPort) {
  if (!isLoopback(hostPort)) {
    const host = hostPort.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1')
    fail(
      `Get "https://${hostPort}/v2/": dial tcp: lookup ${host}: the cosign stand-in has no network`
    )
  }
}

function registryAuth(registry) {
  const credentials = dockerCredentials(registry)
  return credentials ? basicAuth(credentials) : undefined
}

async function http(ref, method, path, { headers = {}, body, ok = [200] } = {}) {
  const url = /^https?:/.test(path) ? path : `http://${ref.registry}${path}`
  const auth = registryAuth(ref.registry)
  const res = await fetch(url, {
    method,
    body,
    headers: { ...headers, ...(auth ? { Authorization: auth } : {}) }
  })
  if (res.status === 404 && ok.includes(404)) return res
  if (!ok.includes(res.status)) {
    const text = await res.text().catch(() => '')
    const code =
      res.status === 401
        ? 'UNAUTHORIZED: authentication required'
        : `unexpected status code ${res.status}`
    fail(`${method} ${url}: ${code}${text ? `; ${text.slice(0, 300).trim()}` : ''}`)
  }
  return res
}

async function getManifest(ref, reference) {
  const res = await http(ref, 'GET', `/v2/${ref.repository}/manifests/${reference}`, {
    headers: { Accept: ACCEPT },
    ok: [200, 404]
  })
  if (res.status === 404) return undefined
  const body = Buffer.from(await res.arrayBuffer())
  const digest = res.headers.get('docker-content-digest') ?? `sha256:${sha256(body)}`
  return { digest, size: body.length, json: JSON.parse(body.toString('utf8')) }
}

async function getBlob(ref, digest) {
  const res = await http(ref, 'GET', `/v2/${ref.repository}/blobs/${digest}`)
  const data = Buffer.from(await res.arrayBuffer())
  if (`sha256:${sha256(data)}` !== digest) fail(`blob ${digest}: content does not match its digest`)
  return data
}

async function pushBlob(ref, data, mediaType) {
  const res = await http(ref, 'POST', `/v2/${ref.repository}/blobs/uploads/`, { ok: [202] })
  const location = new URL(
    res.headers.get('location') ?? fail('blob upload: no Location header'),
    `http://${ref.registry}`
  )
  const digest = `sha256:${sha256(data)}`
  location.searchParams.set('digest', digest)
  await http(ref, 'PUT', location.href, {
    body: data,
    ok: [201],
    headers: { 'Content-Type': 'application/octet-stream' }
  })
  return { mediaType, size: data.length, digest }
}

/** Adds a layer to the manifest at `tag` (cosign appends new signatures to the existing ones). */
async function appendLayer(ref, tag, mediaType, payload, annotations, replace = () => false) {
  const existing = await getManifest(ref, tag)
  const layers = (existing?.json.layers ?? []).filter((layer) => !replace(layer))
  const layer = { ...(await pushBlob(ref, payload, mediaType)), annotations }
  if (
    !layers.some(
      (l) =>
        l.digest === layer.digest && l.annotations?.[SIG_ANNOTATION] === annotations[SIG_ANNOTATION]
    )
  )
    layers.push(layer)
  const config = Buffer.from(
    JSON.stringify({
      architecture: '',
      created: '0001-01-01T00:00:00Z',
      os: '',
      config: {},
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) }
    })
  )
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: await pushBlob(ref, config, 'application/vnd.oci.image.config.v1+json'),
    layers
  }
  await http(ref, 'PUT', `/v2/${ref.repository}/manifests/${tag}`, {
    body: JSON.stringify(manifest),
    ok: [201],
    headers: { 'Content-Type': OCI_MANIFEST }
  })
}

/** The image's manifest digest (and the child digests of an index); fails when it is not there. */
async function resolveImage(ref) {
  const found = await getManifest(ref, ref.digest ?? ref.tag ?? 'latest')
  if (!found)
    fail(
      `accessing entity: entity not found in registry: ${ref.name}@${ref.digest ?? ref.tag ?? 'latest'}`
    )
  if (ref.digest && found.digest !== ref.digest)
    fail(`manifest digest ${found.digest} does not match ${ref.digest}`)
  return {
    digest: found.digest,
    children: (found.json.manifests ?? []).map((m) => m.digest),
    descriptor: {
      mediaType: found.json.mediaType ?? OCI_MANIFEST,
      size: found.size,
      digest: found.digest
    }
  }
}

// ---- keys ----
const KDF = { N: 65536, r: 8, p: 1 }
const pem = (type, der) =>
  `-----BEGIN ${type}-----\n${b64(der).replace(/.{1,64}/g, '$&\n')}-----END ${type}-----\n`
const pemBody = (text, type) => {
  const m = new RegExp(`-----BEGIN ${type}-----([\\s\\S]*?)-----END ${type}-----`).exec(text)
  return m ? Buffer.from(m[1].replace(/\s+/g, ''), 'base64') : undefined
}
const kdfKey = (password, salt) =>
  crypto.scryptSync(password, salt, 32, { ...KDF, maxmem: 256 * 1024 * 1024 })

function password() {
  return (
    process.env.COSIGN_PASSWORD ??
    fail('reading password: COSIGN_PASSWORD is not set and there is no terminal to ask on')
  )
}

function readKeyText(ref) {
  if (ref.startsWith('env://'))
    return process.env[ref.slice(6)] ?? fail(`environment variable ${ref.slice(6)} is not set`)
  if (/^(k8s|awskms|gcpkms|azurekms|hashivault):\/\/|^pkcs11:/.test(ref))
    fail(`${ref.split(':')[0]}: key service not reachable: the cosign stand-in has no network`)
  if (/^https?:\/\//.test(ref)) fail(`fetching ${ref}: the cosign stand-in has no network`)
  try {
    return readFileSync(ref, 'utf8')
  } catch {
    return fail(`open ${ref}: no such file or directory`)
  }
}

function loadPrivateKey(ref) {
  const box =
    pemBody(readKeyText(ref), 'ENCRYPTED SIGSTORE PRIVATE KEY') ??
    fail('reading key: unsupported pem type')
  try {
    const { kdf, cipher, ciphertext } = JSON.parse(box.toString('utf8'))
    const data = Buffer.from(ciphertext, 'base64')
    const decipher = crypto.createDecipheriv(
      'aes-256-gcm',
      kdfKey(password(), Buffer.from(kdf.salt, 'base64')),
      Buffer.from(cipher.nonce, 'base64')
    )
    decipher.setAuthTag(data.subarray(-16))
    const der = Buffer.concat([decipher.update(data.subarray(0, -16)), decipher.final()])
    return crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
  } catch (error) {
    if (error instanceof CliError) throw error
    return fail('reading key: decrypt: encrypted: decryption failed')
  }
}

function loadPublicKey(ref) {
  const der =
    pemBody(readKeyText(ref), 'PUBLIC KEY') ??
    fail(`loading public key: ${ref}: PEM decoding failed`)
  return crypto.createPublicKey({ key: der, format: 'der', type: 'spki' })
}

const spkiPem = (key) =>
  (key.type === 'public' ? key : crypto.createPublicKey(key)).export({
    type: 'spki',
    format: 'pem'
  })

// ---- signing ----
function tlogEnabled(flags) {
  if ('tlog-upload' in flags && V3)
    warn(
      'Flag --tlog-upload has been deprecated, prefer using a --signing-config file with no transparency log services'
    )
  const useSigningConfig =
    flags['signing-config'] !== undefined || (flags['use-signing-config'] ?? V3)
  if (flags['tlog-upload'] === false) {
    if (V3 && useSigningConfig) {
      fail(
        "--tlog-upload=false is not supported with --signing-config or --use-signing-config. Provide a signing config with --signing-config without a transparency log service, which can be created with `cosign signing-config create` or `curl https://raw.githubusercontent.com/sigstore/root-signing/refs/heads/main/targets/signing_config.v0.2.json | jq 'del(.rekorTlogUrls)'` for the public instance"
      )
    }
    return false
  }
  if (flags['signing-config'] === undefined) return true
  let config
  try {
    config = JSON.parse(readFileSync(flags['signing-config'], 'utf8'))
  } catch (e) {
    fail(`reading signing config: ${e.message}`)
  }
  return (config.rekorTlogUrls ?? []).length > 0
}

async function confirm(flags, keyless, tlog, what) {
  if (flags.yes || (!keyless && !tlog)) return
  warn(
    'Note that there may be personally identifiable information associated with this signed artifact.\nAre you sure you would like to continue? [y/N] '
  )
  const answer = process.stdin.isTTY ? '' : readFileSync(0, 'utf8').trim()
  if (!/^y(es)?$/i.test(answer)) fail(`${what}: user declined the prompt`)
}

async function identityToken(flags) {
  if (flags['identity-token']) {
    const value = flags['identity-token']
    return existsSync(value) ? readFileSync(value, 'utf8').trim() : value
  }
  const url = process.env.ACTIONS_ID_TOKEN_REQUEST_URL
  const bearer = process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN
  // cosign's providers in its order (pkg/providers/all): GitHub Actions when the request URL and
  // token are set, then the token in SIGSTORE_ID_TOKEN (pkg/providers/envvar).
  if (!(url && bearer) && process.env.SIGSTORE_ID_TOKEN) return process.env.SIGSTORE_ID_TOKEN
  if (!url || !bearer)
    fail(
      'getting signer: getting key from Fulcio: retrieving cert: no OIDC token: ambient GitHub Actions credentials (ACTIONS_ID_TOKEN_REQUEST_URL) are missing and there is no browser for the interactive flow'
    )
  assertLoopback(new URL(url).host)
  const res = await fetch(`${url}${url.includes('?') ? '&' : '?'}audience=sigstore`, {
    headers: { Authorization: `bearer ${bearer}` }
  })
  if (!res.ok) fail(`getting signer: fetching GitHub Actions OIDC token: status ${res.status}`)
  return (await res.json()).value
}

/** The signing key and the annotations (certificate) that go with each signature. */
async function makeSigner(flags) {
  if (flags.key) return { key: loadPrivateKey(flags.key), annotations: {} }
  const claims = JSON.parse(
    Buffer.from((await identityToken(flags)).split('.')[1] ?? '', 'base64url').toString('utf8') ||
      '{}'
  )
  const subject = claims.job_workflow_ref
    ? `https://github.com/${claims.job_workflow_ref}`
    : (claims.email ?? claims.sub)
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
  warn(
    'Generating ephemeral keys...\nRetrieving signed certificate...\nSuccessfully verified SCT...'
  )
  // Not X.509 (node:crypto cannot issue certificates): a PEM-armoured record of what Fulcio would certify.
  const certificate = pem(
    'CERTIFICATE',
    JSON.stringify({
      standin: 'fulcio',
      subject,
      issuer: claims.iss,
      publicKey: spkiPem(publicKey)
    })
  )
  return { key: privateKey, annotations: { [CERT_ANNOTATION]: certificate } }
}

function tlogBundle(signature, payload) {
  const dir = process.env.IMGSEC_STANDIN_STATE
  let logIndex = 100000000 + crypto.randomInt(1000000)
  if (dir) {
    mkdirSync(dir, { recursive: true })
    const file = join(dir, 'cosign-tlog-index')
    logIndex = existsSync(file) ? Number(readFileSync(file, 'utf8')) + 1 : 1000
    writeFileSync(file, String(logIndex))
  }
  warn(`tlog entry created with index: ${logIndex}`)
  const body = b64(
    JSON.stringify({ kind: 'hashedrekord', spec: { signature, payloadHash: sha256(payload) } })
  )
  return JSON.stringify({
    SignedEntryTimestamp: b64(sha256(body)),
    Payload: {
      body,
      integratedTime: Math.floor(Date.now() / 1000),
      logIndex,
      logID: sha256('standin-rekor')
    }
  })
}

async function signedAnnotations(flags, signer, tlog, data) {
  const signature = crypto.sign('sha256', data, signer.key).toString('base64')
  return {
    [SIG_ANNOTATION]: signature,
    ...signer.annotations,
    ...(tlog ? { [BUNDLE_ANNOTATION]: tlogBundle(signature, data) } : {})
  }
}

function oneArg(positional) {
  if (positional.length !== 1) fail(`accepts 1 arg(s), received ${positional.length}`)
  return positional[0]
}

async function prepare(flags, input, what) {
  const tlog = tlogEnabled(flags)
  await confirm(flags, !flags.key, tlog, `${what} [${input}]`)
  const ref = parseRef(input)
  if (!ref.digest) {
    warn(
      `WARNING: Image reference ${input} uses a tag, not a digest, to identify the image to sign.\n    This can lead you to sign a different image than the intended one. Please use a\n    digest (example.com/ubuntu@sha256:abc123...) rather than tag\n    (example.com/ubuntu:latest) for the input to cosign. The ability to refer to\n    images by tag will be removed in a future release.`
    )
  }
  return { ref, tlog, image: await resolveImage(ref), signer: await makeSigner(flags) }
}

async function sign(flags, positional) {
  const input = oneArg(positional)
  const { ref, tlog, image, signer } = await prepare(flags, input, 'signing')
  const digests = [image.digest, ...(flags.recursive ? image.children : [])]
  const optional = flags.annotations?.length
    ? Object.fromEntries(
        flags.annotations.map((a) => [a.split('=')[0], a.slice(a.indexOf('=') + 1)])
      )
    : null
  for (const digest of digests) {
    if (newBundleFormat(flags)) {
      const claims = {
        critical: {
          identity: { 'docker-reference': ref.name },
          image: { 'docker-manifest-digest': digest },
          type: SIGN_V3_TYPE
        },
        optional
      }
      await storeBundle(ref, await descriptorOf(ref, digest), SIGN_V3_TYPE, claims, signer, tlog)
      continue
    }
    const payload = Buffer.from(
      JSON.stringify({
        critical: {
          identity: { 'docker-reference': ref.name },
          image: { 'docker-manifest-digest': digest },
          type: SIG_TYPE
        },
        optional
      })
    )
    const annotations = await signedAnnotations(flags, signer, tlog, payload)
    warn(`Pushing signature to: ${ref.name}`)
    await appendLayer(
      ref,
      `${digest.replace(':', '-')}.sig`,
      'application/vnd.dev.cosign.simplesigning.v1+json',
      payload,
      annotations
    )
  }
}

const pae = (type, body) =>
  Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${body.length} `), body])
const predicateType = (type) =>
  PREDICATE_TYPES[type] ?? (type?.includes('://') ? type : fail(`invalid predicate type: ${type}`))

function checkVulnPredicate(predicate, file) {
  const bad = (what) =>
    fail(
      `invalid vuln predicate in ${file}: ${what} (expected the output of trivy --format cosign-vuln)`
    )
  if (typeof predicate?.scanner !== 'object' || predicate.scanner === null)
    bad('no "scanner" object')
  for (const key of ['uri', 'version'])
    if (typeof predicate.scanner[key] !== 'string') bad(`"scanner.${key}" is not a string`)
  if (typeof predicate.scanner.result !== 'object' || predicate.scanner.result === null)
    bad('no "scanner.result" object')
  for (const key of ['scanStartedOn', 'scanFinishedOn'])
    if (typeof predicate.metadata?.[key] !== 'string') bad(`"metadata.${key}" is not a string`)
}

async function attest(flags, positional) {
  const input = oneArg(positional)
  const type = predicateType(flags.type ?? 'custom')
  const file = flags.predicate ?? fail('required flag(s) "predicate" not set')
  let predicate
  try {
    predicate = JSON.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    fail(`reading predicate ${file}: ${e.message}`)
  }
  if (type === VULN_TYPE) checkVulnPredicate(predicate, file)
  // cosign reads a CycloneDX predicate into a JSON object (generateCycloneDXStatement).
  if (
    type === CYCLONEDX_TYPE &&
    (typeof predicate !== 'object' || predicate === null || Array.isArray(predicate))
  )
    fail(
      `json: cannot unmarshal ${Array.isArray(predicate) ? 'array' : typeof predicate} into Go value of type map[string]interface {}`
    )
  const { ref, tlog, image, signer } = await prepare(flags, input, 'signing')
  if (newBundleFormat(flags)) {
    await storeBundle(ref, image.descriptor, type, predicate, signer, tlog)
    return
  }
  const statement = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: type,
      subject: [{ name: ref.name, digest: { sha256: image.digest.slice(7) } }],
      predicate
    })
  )
  const payloadType = 'application/vnd.in-toto+json'
  const annotations = await signedAnnotations(flags, signer, tlog, pae(payloadType, statement))
  const envelope = Buffer.from(
    JSON.stringify({
      payloadType,
      payload: b64(statement),
      signatures: [{ keyid: '', sig: annotations[SIG_ANNOTATION] }]
    })
  )
  const replace = (layer) => flags.replace && layer.annotations?.predicateType === type
  await appendLayer(
    ref,
    `${image.digest.replace(':', '-')}.att`,
    'application/vnd.dsse.envelope.v1+json',
    envelope,
    { ...annotations, [SIG_ANNOTATION]: '', predicateType: type },
    replace
  )
}

// ---- cosign v3: Sigstore bundles in OCI 1.1 referrers ----
const newBundleFormat = (flags) => V3 && flags['new-bundle-format'] !== false

async function descriptorOf(ref, digest) {
  const found = (await getManifest(ref, digest)) ?? fail(`entity not found in registry: ${digest}`)
  return { mediaType: found.json.mediaType ?? OCI_MANIFEST, size: found.size, digest }
}

/**
 * Signs an in-toto statement about `subject` into a bundle and pushes it as a referrer; a registry
 * that does not answer with OCI-Subject has no referrers API and gets the fallback index instead.
 */
async function storeBundle(ref, subject, type, predicate, signer, tlog) {
  const statement = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: ref.name, digest: { sha256: subject.digest.slice(7) } }],
      predicateType: type,
      predicate
    })
  )
  const payloadType = 'application/vnd.in-toto+json'
  const data = pae(payloadType, statement)
  const sig = crypto.sign('sha256', data, signer.key).toString('base64')
  const cert = signer.annotations[CERT_ANNOTATION]
  const bundle = {
    mediaType: BUNDLE_TYPE,
    verificationMaterial: {
      ...(cert ? { certificate: { rawBytes: b64(cert) } } : { publicKey: { hint: '' } }),
      tlogEntries: tlog ? [JSON.parse(tlogBundle(sig, data))] : []
    },
    dsseEnvelope: { payload: b64(statement), payloadType, signatures: [{ sig }] }
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: await pushBlob(ref, Buffer.from('{}'), OCI_EMPTY),
      layers: [await pushBlob(ref, Buffer.from(JSON.stringify(bundle)), BUNDLE_TYPE)],
      annotations: {
        'dev.sigstore.bundle.content': 'dsse-envelope',
        [PREDICATE_ANNOTATION]: type,
        'org.opencontainers.image.created': new Date().toISOString().replace(/\.\d+Z$/, 'Z')
      },
      subject,
      artifactType: BUNDLE_TYPE
    })
  )
  const digest = `sha256:${sha256(manifest)}`
  const put = await http(ref, 'PUT', `/v2/${ref.repository}/manifests/${digest}`, {
    body: manifest,
    ok: [201],
    headers: { 'Content-Type': OCI_MANIFEST }
  })
  if (put.headers.get('oci-subject')) return
  const tag = subject.digest.replace(':', '-')
  const index = (await getManifest(ref, tag))?.json ?? {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: []
  }
  index.manifests.push({
    mediaType: OCI_MANIFEST,
    size: manifest.length,
    digest,
    artifactType: BUNDLE_TYPE
  })
  await http(ref, 'PUT', `/v2/${ref.repository}/manifests/${tag}`, {
    body: JSON.stringify(index),
    ok: [201],
    headers: { 'Content-Type': OCI_INDEX }
  })
}

/** The bundles referring to `digest`: the referrers API, else the fallback index. */
async function listBundles(ref, digest) {
  const res = await http(ref, 'GET', `/v2/${ref.repository}/referrers/${digest}`, {
    headers: { Accept: OCI_INDEX },
    ok: [200, 404]
  })
  const index =
    res.status === 200 ? await res.json() : (await getManifest(ref, digest.replace(':', '-')))?.json
  const bundles = []
  for (const entry of index?.manifests ?? []) {
    const found = await getManifest(ref, entry.digest)
    if (found?.json.artifactType !== BUNDLE_TYPE || found.json.subject?.digest !== digest) continue
    const layer = found.json.layers?.[0]
    if (!layer) continue
    bundles.push({
      manifestDigest: found.digest,
      layerDigest: layer.digest,
      type: found.json.annotations?.[PREDICATE_ANNOTATION],
      bundle: JSON.parse((await getBlob(ref, layer.digest)).toString('utf8'))
    })
  }
  return bundles
}

/** Checks a bundle against the policy; returns its statement and what `-o json` shows of its signer. */
function checkBundle(policy, flags, bundle, digest) {
  const envelope = bundle.dsseEnvelope ?? fail('bundle without a DSSE envelope')
  const material = bundle.verificationMaterial ?? {}
  const cert = material.certificate?.rawBytes
  const tlogEntry = material.tlogEntries?.[0]
  const statement = Buffer.from(envelope.payload, 'base64')
  const extra = checkSignature(
    policy,
    flags,
    {
      [SIG_ANNOTATION]: envelope.signatures?.[0]?.sig,
      ...(cert ? { [CERT_ANNOTATION]: Buffer.from(cert, 'base64').toString('utf8') } : {}),
      ...(tlogEntry ? { [BUNDLE_ANNOTATION]: JSON.stringify(tlogEntry) } : {})
    },
    pae(envelope.payloadType, statement)
  )
  const parsed = JSON.parse(statement.toString('utf8'))
  if (!parsed.subject?.some((s) => `sha256:${s.digest?.sha256}` === digest))
    fail(`bundle subject does not match ${digest}`)
  return { statement: parsed, envelope, extra }
}

/** `cosign tree`: what is attached to the image and where, in cosign v3's words. */
async function tree(flags, positional) {
  const input = oneArg(positional)
  const ref = parseRef(input)
  const { digest } = await resolveImage(ref)
  const lines = [`📦 Supply Chain Security Related artifacts for an image: ${input}`]
  for (const found of await listBundles(ref, digest)) {
    lines.push(
      `└── 🔗 ${found.type} artifacts via OCI referrer: ${ref.name}@${found.manifestDigest}`,
      `   └── 🍒 ${found.layerDigest}`
    )
  }
  for (const [suffix, label] of [
    ['.sig', '🔐 Signatures'],
    ['.att', '💾 Attestations']
  ]) {
    const tag = `${digest.replace(':', '-')}${suffix}`
    const stored = await getManifest(ref, tag)
    if (!stored) continue
    lines.push(`└── ${label} for an image tag: ${ref.name}:${tag}`)
    for (const layer of stored.json.layers ?? []) lines.push(`   └── 🍒 ${layer.digest}`)
  }
  if (lines.length === 1)
    lines.push(`No Supply Chain Security Related Artifacts found for image ${input}`)
  process.stdout.write(`${lines.join('\n')}\n`)
}

// ---- verification ----
function verifyPolicy(flags) {
  const identity = flags['certificate-identity'] ?? flags['certificate-identity-regexp']
  const issuer = flags['certificate-oidc-issuer'] ?? flags['certificate-oidc-issuer-regexp']
  if (flags.key) {
    const set = [
      'key',
      ...[
        'certificate-identity',
        'certificate-identity-regexp',
        'certificate-oidc-issuer',
        'certificate-oidc-issuer-regexp'
      ].filter((f) => flags[f] !== undefined)
    ]
    if (set.length > 1)
      fail(
        `if any flags in the group [key certificate-identity] are set none of the others can be; [${set.sort().join(' ')}] were all set`
      )
    return { key: loadPublicKey(flags.key) }
  }
  if (identity === undefined)
    fail(
      '--certificate-identity or --certificate-identity-regexp is required for verification in keyless mode'
    )
  if (issuer === undefined)
    fail(
      '--certificate-oidc-issuer or --certificate-oidc-issuer-regexp is required for verification in keyless mode'
    )
  const matcher = (exact, regexp) => (value) =>
    exact !== undefined ? value === exact : new RegExp(regexp).test(value ?? '')
  return {
    identity: matcher(flags['certificate-identity'], flags['certificate-identity-regexp']),
    issuer: matcher(flags['certificate-oidc-issuer'], flags['certificate-oidc-issuer-regexp'])
  }
}

/** Checks one stored signature; returns what `-o json` shows about its signer, or throws why it does not match. */
function checkSignature(policy, flags, annotations, data) {
  let key = policy.key
  const extra = {}
  if (!key) {
    const cert =
      JSON.parse(
        pemBody(annotations[CERT_ANNOTATION] ?? '', 'CERTIFICATE')?.toString('utf8') || 'null'
      ) ?? fail('no certificate on the signature (signed with a key?)')
    if (!policy.identity(cert.subject))
      fail(
        `none of the expected identities matched what was in the certificate, got subjects [${cert.subject}] with issuer ${cert.issuer}`
      )
    if (!policy.issuer(cert.issuer))
      fail(`expected oidc issuer not found in certificate, got ${cert.issuer}`)
    key = crypto.createPublicKey(cert.publicKey)
    Object.assign(extra, { Issuer: cert.issuer, Subject: cert.subject })
  }
  if (!crypto.verify('sha256', data, key, Buffer.from(annotations[SIG_ANNOTATION] ?? '', 'base64')))
    fail('invalid signature when validating ASN.1 encoded signature')
  const bundle = annotations[BUNDLE_ANNOTATION]
  if (bundle) extra.Bundle = JSON.parse(bundle)
  else if (!flags['insecure-ignore-tlog']) fail('signature not found in transparency log')
  return extra
}

async function verifyEach(flags, positional, suffix, check, bundleWanted, checkFound) {
  if (positional.length === 0) fail('requires at least 1 arg(s), only received 0')
  const policy = verifyPolicy(flags)
  if (flags['insecure-ignore-tlog'])
    warn(
      'WARNING: Skipping tlog verification is an insecure practice that lacks transparency and auditability verification for the signature.'
    )
  const out = []
  for (const input of positional) {
    const ref = parseRef(input)
    const { digest } = await resolveImage(ref)
    const errors = []
    const attempt = async (fn) => {
      try {
        out.push(await fn())
      } catch (e) {
        if (e instanceof CliError) errors.push(e.message)
        else throw e
      }
    }
    // v3 bundles first (referrers), then the v2 tags.
    const bundles = (await listBundles(ref, digest)).filter((b) => bundleWanted(b.type))
    for (const found of bundles) await attempt(() => checkFound(ref, digest, policy, found))
    const stored = await getManifest(ref, `${digest.replace(':', '-')}${suffix}`)
    for (const layer of stored?.json.layers ?? [])
      await attempt(() => check(ref, digest, policy, layer))
    if (out.length === 0)
      return { errors, found: bundles.length + (stored?.json.layers ?? []).length }
    warn(
      `\nVerification for ${input} --\nThe following checks were performed on each of these signatures:\n  - The cosign claims were validated\n${flags['insecure-ignore-tlog'] ? '' : '  - Existence of the claims in the transparency log was verified offline\n'}  - The signatures were verified against the specified public key`
    )
  }
  return { out }
}

async function verify(flags, positional) {
  const result = await verifyEach(
    flags,
    positional,
    '.sig',
    async (ref, digest, policy, layer) => {
      const data = await getBlob(ref, layer.digest)
      const extra = checkSignature(policy, flags, layer.annotations ?? {}, data)
      const payload = JSON.parse(data.toString('utf8'))
      if (payload.critical?.image?.['docker-manifest-digest'] !== digest)
        fail(
          'invalid or missing digest in claim: ' +
            payload.critical?.image?.['docker-manifest-digest']
        )
      for (const a of flags.annotations ?? [])
        if (String(payload.optional?.[a.split('=')[0]]) !== a.slice(a.indexOf('=') + 1))
          fail(`missing or incorrect annotation`)
      return { ...payload, optional: { ...(payload.optional ?? {}), ...extra } }
    },
    // v3 lists every bundle signed by the policy's signer: signatures and attestations alike.
    () => true,
    async (ref, digest, policy, found) => {
      const { statement, extra } = checkBundle(policy, flags, found.bundle, digest)
      if (found.type === SIGN_V3_TYPE) {
        const claims = statement.predicate ?? {}
        if (claims.critical?.image?.['docker-manifest-digest'] !== digest)
          fail(
            `invalid or missing digest in claim: ${claims.critical?.image?.['docker-manifest-digest']}`
          )
        return { ...claims, optional: { ...(claims.optional ?? {}), ...extra } }
      }
      return {
        critical: {
          identity: { 'docker-reference': ref.name },
          image: { 'docker-manifest-digest': digest },
          type: found.type
        },
        optional: extra
      }
    }
  )
  if (!result.out)
    fail(
      result.found ? `no matching signatures: ${result.errors.join('\n')}` : 'no signatures found'
    )
  if ((flags.output ?? 'json') === 'json') process.stdout.write(`${JSON.stringify(result.out)}\n`)
}

async function verifyAttestation(flags, positional) {
  const type = predicateType(flags.type ?? 'custom')
  const result = await verifyEach(
    flags,
    positional,
    '.att',
    async (ref, digest, policy, layer) => {
      const envelope = JSON.parse((await getBlob(ref, layer.digest)).toString('utf8'))
      const statement = Buffer.from(envelope.payload, 'base64')
      checkSignature(
        policy,
        flags,
        { ...layer.annotations, [SIG_ANNOTATION]: envelope.signatures?.[0]?.sig },
        pae(envelope.payloadType, statement)
      )
      const parsed = JSON.parse(statement.toString('utf8'))
      if (parsed.predicateType !== type)
        fail(
          `none of the attestations matched the predicate type: ${flags.type ?? 'custom'}, found: ${parsed.predicateType}`
        )
      if (!parsed.subject?.some((s) => `sha256:${s.digest?.sha256}` === digest))
        fail(`attestation subject does not match ${digest}`)
      return envelope
    },
    (bundleType) => bundleType === type,
    async (ref, digest, policy, found) => checkBundle(policy, flags, found.bundle, digest).envelope
  )
  if (!result.out)
    fail(`no matching attestations: ${result.errors.join('\n') || 'no attestations found'}`)
  for (const envelope of result.out) process.stdout.write(`${JSON.stringify(envelope)}\n`)
}

// ---- keys and configuration ----
async function generateKeyPair(flags) {
  const prefix = flags['output-key-prefix'] ?? 'cosign'
  if (existsSync(`${prefix}.key`))
    fail(`${prefix}.key already exists and there is no terminal to confirm overwriting it`)
  const secret = password()
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const salt = crypto.randomBytes(32)
  const nonce = crypto.randomBytes(12)
  const cipher = crypto.createCipheriv('aes-256-gcm', kdfKey(secret, salt), nonce)
  const data = Buffer.concat([
    cipher.update(privateKey.export({ type: 'pkcs8', format: 'der' })),
    cipher.final(),
    cipher.getAuthTag()
  ])
  const box = JSON.stringify({
    kdf: { name: 'scrypt', params: KDF, salt: b64(salt) },
    cipher: { name: 'aes-256-gcm', nonce: b64(nonce) },
    ciphertext: b64(data)
  })
  writeFileSync(`${prefix}.key`, pem('ENCRYPTED SIGSTORE PRIVATE KEY', box), { mode: 0o600 })
  writeFileSync(`${prefix}.pub`, spkiPem(publicKey))
  warn(`Private key written to ${prefix}.key\nPublic key written to ${prefix}.pub`)
}

async function publicKey(flags) {
  const key = spkiPem(loadPrivateKey(flags.key ?? fail('required flag(s) "key" not set')))
  if (flags.outfile) writeFileSync(flags.outfile, key)
  else process.stdout.write(key)
}

async function signingConfigCreate(flags) {
  const defaults = flags['with-default-services']
  const service = (url) => [
    {
      url,
      majorApiVersion: 1,
      validFor: { start: '2023-04-14T21:38:40Z' },
      operator: 'sigstore.dev'
    }
  ]
  const given = (name, fallback) =>
    (flags[name] ?? [])
      .map((spec) => ({
        url: /(?:^|,)url=([^,]+)/.exec(spec)?.[1],
        majorApiVersion: 1,
        operator: 'custom'
      }))
      .concat(flags[name] ? [] : fallback)
  const config = {
    mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json',
    caUrls: given(
      'fulcio',
      defaults && !flags['no-default-fulcio'] ? service('https://fulcio.sigstore.dev') : []
    ),
    oidcUrls: given(
      'oidc-provider',
      defaults && !flags['no-default-oidc'] ? service('https://oauth2.sigstore.dev/auth') : []
    ),
    rekorTlogUrls: given(
      'rekor',
      defaults && !flags['no-default-rekor'] ? service('https://rekor.sigstore.dev') : []
    ),
    rekorTlogConfig: { selector: flags['rekor-config'] ?? 'ANY' },
    tsaUrls: given(
      'tsa',
      defaults && !flags['no-default-tsa']
        ? service('https://timestamp.sigstore.dev/api/v1/timestamp')
        : []
    ),
    tsaConfig: { selector: flags['tsa-config'] ?? 'ANY' }
  }
  const text = `${JSON.stringify(config, null, 2)}\n`
  if (flags.out) writeFileSync(flags.out, text)
  else process.stdout.write(text)
}

async function version(flags) {
  const info = {
    gitVersion: `v${VERSION}`,
    gitCommit: 'standin',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.25.0',
    compiler: 'gc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(info, null, 2)}\n`)
    return
  }
  process.stdout.write(
    `cosign: A tool for Container Signing, Verification and Storage in an OCI registry.\n\nGitVersion:    ${info.gitVersion}\nGitCommit:     ${info.gitCommit}\nGitTreeState:  ${info.gitTreeState}\nBuildDate:     ${info.buildDate}\nGoVersion:     ${info.goVersion}\nCompiler:      ${info.compiler}\nPlatform:      ${info.platform}\n`
  )
}

// ---- main ----
async function main(argv) {
  if (process.env.IMGSEC_STANDIN_LOG) {
    appendFileSync(
      process.env.IMGSEC_STANDIN_LOG,
      `${JSON.stringify({ tool: 'cosign', argv, cwd: process.cwd() })}\n`
    )
  }
  const depth = argv[0] === 'signing-config' && argv[1] && !argv[1].startsWith('-') ? 2 : 1
  const name = argv.slice(0, depth).join(' ')
  if (name === '' || name.startsWith('-')) {
    process.stdout.write('Usage:\n  cosign [command]\n')
    return
  }
  const command = COMMANDS[name] ?? fail(`unknown command "${name}" for "cosign"`)
  const { flags, positional } = parseFlags(argv.slice(depth), { ...GLOBAL, ...command[0] })
  if (flags.help) {
    process.stdout.write(`Usage:\n  cosign ${name} [flags]\n`)
    return
  }
  await command[1](flags, positional)
}

main(process.argv.slice(2)).catch((error) => {
  const message = error instanceof CliError ? error.message : String(error?.stack ?? error)
  process.stderr.write(`Error: ${message}\nerror during command execution: ${message}\n`)
  process.exit(1)
})
