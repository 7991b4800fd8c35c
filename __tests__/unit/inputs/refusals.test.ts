// Inputs that could weaken a check are refused at the boundary with one line naming the input:
// plain http to a host on the network, a pre-release of a refused tool version, an identity
// pattern cosign's RE2 cannot read, and paths that are broken or lead out of the workspace.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InputError } from '../../../src/errors.js'
import { getInputs } from '../../../src/inputs/get-inputs.js'

let workspace: string
let outside: string

beforeEach(() => {
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key]
  workspace = mkdtempSync(join(tmpdir(), 'imgsec-refusals-ws-'))
  outside = mkdtempSync(join(tmpdir(), 'imgsec-refusals-out-'))
  process.env['GITHUB_WORKSPACE'] = workspace
  process.env['RUNNER_TEMP'] = mkdtempSync(join(tmpdir(), 'imgsec-refusals-temp-'))
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
})

afterEach(() => {
  jest.restoreAllMocks()
  rmSync(workspace, { recursive: true, force: true })
  rmSync(outside, { recursive: true, force: true })
})

function refusal(inputs: Record<string, string>): InputError {
  for (const [name, value] of Object.entries({ image: 'alpine:3.20', ...inputs }))
    process.env[`INPUT_${name.toUpperCase()}`] = value
  try {
    getInputs()
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    expect((error as Error).message).not.toMatch(/\n/)
    return error as InputError
  }
  throw new Error(`accepted ${JSON.stringify(inputs)}`)
}

const VERIFY = { steps: 'verify' }

describe('refused, naming the input', () => {
  it.each<[string, Record<string, string>, string, RegExp]>([
    [
      'plain http to a mirror on the network',
      { 'download-base-url': 'http://mirror.example.com/releases' },
      'download-base-url',
      /https:\/\/.*loopback/
    ],
    [
      'a pre-release of a compromised trivy',
      { 'trivy-version': '0.69.4-rc.1' },
      'trivy-version',
      /pre-release or build of 0\.69\.4.*never installed/
    ],
    ['a database age without a unit', { 'db-max-age': '7' }, 'db-max-age', /hours or days/],
    ['a database age of zero', { 'db-max-age': '0d' }, 'db-max-age', /hours or days/],
    [
      'an identity pattern with a lookahead',
      { ...VERIFY, 'certificate-identity-regexp': '^https://github\\.com/(?!attacker)' },
      'certificate-identity-regexp',
      /lookaround.*RE2/
    ],
    [
      'an identity pattern with a lookbehind',
      { ...VERIFY, 'certificate-identity-regexp': '(?<=acme/)api' },
      'certificate-identity-regexp',
      /lookaround/
    ],
    [
      'an identity pattern with a backreference',
      { ...VERIFY, 'certificate-identity-regexp': '(acme)/\\1' },
      'certificate-identity-regexp',
      /backreference/
    ],
    [
      'an identity pattern that does not compile',
      { ...VERIFY, 'certificate-identity-regexp': 'https://github\\.com/(acme' },
      'certificate-identity-regexp',
      /not a valid regular expression/
    ]
  ])('%s', (_what, inputs, input, says) => {
    const error = refusal(inputs)
    expect(error.input).toBe(input)
    expect(error.message).toMatch(says)
  })

  it('accepts RE2 spellings JavaScript lacks: (?P<name>…) and inline flags', () => {
    for (const pattern of [
      '(?i)^https://github\\.com/acme/.*',
      '(?P<org>acme)/api/.*',
      'https://github\\.com/(?i:ACME)/.*'
    ]) {
      process.env['INPUT_IMAGE'] = 'alpine:3.20'
      process.env['INPUT_STEPS'] = 'verify'
      process.env['INPUT_CERTIFICATE-IDENTITY-REGEXP'] = pattern
      expect(getInputs().certificateIdentityRegexp).toBe(pattern)
    }
  })

  it('reads db-max-age in hours or days, 7 days by default', () => {
    process.env['INPUT_IMAGE'] = 'alpine:3.20'
    expect(getInputs().dbMaxAge).toEqual({ text: '7d', ms: 7 * 86_400_000 })
    process.env['INPUT_DB-MAX-AGE'] = '36h'
    expect(getInputs().dbMaxAge).toEqual({ text: '36h', ms: 36 * 3_600_000 })
  })

  it('accepts plain http to a loopback mirror', () => {
    process.env['INPUT_IMAGE'] = 'alpine:3.20'
    process.env['INPUT_DOWNLOAD-BASE-URL'] = 'http://127.0.0.1:8080/mirror'
    expect(getInputs().downloadBaseUrl).toBe('http://127.0.0.1:8080/mirror')
  })
})

describe('paths the file system cannot follow', () => {
  it('ENOTDIR: a file used as a folder', () => {
    writeFileSync(join(workspace, 'notes.txt'), 'x')
    const error = refusal({ vex: 'notes.txt/app.vex.json' })
    expect(error.input).toBe('vex')
    expect(error.message).toMatch(/ENOTDIR/)
  })

  it('ENOTDIR: an output below a file', () => {
    writeFileSync(join(workspace, 'notes.txt'), 'x')
    const error = refusal({ 'sarif-file': 'notes.txt/results.sarif' })
    expect(error.input).toBe('sarif-file')
    expect(error.message).toMatch(/ENOTDIR/)
  })

  it('ELOOP: symbolic links that point at each other', () => {
    symlinkSync(join(workspace, 'b'), join(workspace, 'a'))
    symlinkSync(join(workspace, 'a'), join(workspace, 'b'))
    const error = refusal({ 'ignore-file': 'a' })
    expect(error.input).toBe('ignore-file')
    expect(error.message).toMatch(/ELOOP/)
  })

  it('ENAMETOOLONG: a name longer than the file system allows', () => {
    const error = refusal({ dockerfile: `${'d'.repeat(300)}/Dockerfile` })
    expect(error.input).toBe('dockerfile')
    expect(error.message).toMatch(/ENAMETOOLONG/)
  })
})

describe('symbolic links out of the workspace', () => {
  it.each<[string, string, (link: string) => Record<string, string>]>([
    ['vex', 'file', (link) => ({ vex: link })],
    ['ignore-file', 'file', (link) => ({ 'ignore-file': link })],
    ['cosign-key', 'file', (link) => ({ steps: 'scan,gate,sign', 'cosign-key': link })],
    ['image-source', 'file', (link) => ({ 'image-source': link })],
    ['sarif-file', 'file', (link) => ({ 'sarif-file': link })],
    ['sarif-file', 'folder', (link) => ({ 'sarif-file': `${link}/results.sarif` })]
  ])('%s through a linked %s is refused', (input, kind, inputs) => {
    const target = join(outside, 'target')
    if (kind === 'folder') mkdirSync(target)
    else writeFileSync(target, 'outside')
    symlinkSync(target, join(workspace, 'link'))
    const error = refusal(inputs('link'))
    expect(error.input).toBe(input)
    // A private key's message never echoes the value or what it led to (it may be a mangled secret).
    if (input !== 'cosign-key') expect(error.message).toContain('symbolic link')
  })

  it('lets a link that stays inside the workspace through', () => {
    writeFileSync(join(workspace, 'real.vex.json'), '{}')
    symlinkSync(join(workspace, 'real.vex.json'), join(workspace, 'app.vex.json'))
    process.env['INPUT_IMAGE'] = 'alpine:3.20'
    process.env['INPUT_VEX'] = 'app.vex.json'
    expect(getInputs().vex).toEqual([join(workspace, 'app.vex.json')])
  })
})
