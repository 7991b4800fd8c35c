// action.yml is the contract a workflow sees: it must declare every input and output of the spec,
// agree with what src/inputs/get-inputs.ts reads (and its defaults, used outside a workflow), and with the
// README's tables.
import { describe, expect, it } from '@jest/globals'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { INPUT_DEFAULTS } from '../../src/inputs/get-inputs.js'

interface ActionInput {
  description?: unknown
  required?: unknown
  default?: unknown
}
interface Action {
  name?: unknown
  description?: unknown
  author?: unknown
  branding?: { icon?: unknown; color?: unknown }
  inputs: Record<string, ActionInput>
  outputs: Record<string, { description?: unknown }>
  runs: Record<string, unknown>
}

const root = join(import.meta.dirname, '..', '..')
const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as Action
const readme = readFileSync(join(root, 'README.md'), 'utf8')

// The spec's tables (SPEC.md "Inputs" and "Outputs"), plus the checksum inputs of the installer
// and db-max-age (issue 11: the oldest vulnerability database the gate accepts).
const SPEC_INPUTS = [
  'image',
  'steps',
  'fail-on',
  'ignore-unfixed',
  'ignore-file',
  'vex',
  'scanners',
  'platforms',
  // Deprecated: read as a one-entry `platforms`, so that an old workflow keeps its meaning.
  'platform',
  'attestations',
  'image-source',
  'trivy-version',
  'cosign-version',
  'trivy-sha256',
  'cosign-sha256',
  'download-base-url',
  'sigstore-trusted-root',
  'trivy-db-repository',
  'cache-db',
  'db-max-age',
  'cosign-key',
  'cosign-password',
  'cosign-public-key',
  'certificate-identity',
  'certificate-identity-regexp',
  'certificate-oidc-issuer',
  'verify-attestations',
  'max-scan-age',
  'baseline-image',
  'annotations',
  'recursive',
  'tlog-upload',
  'registry-username',
  'registry-password',
  'sarif-file',
  'sarif-category',
  'upload-sarif',
  'summary',
  'annotate',
  'comment',
  'dockerfile',
  'github-token'
]
const SPEC_OUTPUTS = [
  'digest',
  'image-ref',
  'report-file',
  'sbom-files',
  'sarif-file',
  'vulnerabilities',
  'critical',
  'high',
  'medium',
  'low',
  'unknown',
  'platforms',
  'verification',
  'new-findings',
  'fixed-findings',
  'gate',
  'signed',
  'attested',
  'verified',
  'signature-ref',
  'trivy-version',
  'cosign-version'
]

/** `| \`name\` | cell | … |` rows (prettier pads the cells) of the table under `## <title>`. */
function readmeTable(title: string): Array<[string, string]> {
  const section = readme.split(/^## /m).find((part) => part.startsWith(`${title}\n`)) ?? ''
  return [...section.matchAll(/^\|\s*`([^`]+)`\s*\|\s*([^|]*?)\s*\|/gm)].map((row) => [
    row[1] ?? '',
    row[2] ?? ''
  ])
}

describe('action.yml', () => {
  it('describes and brands the action and runs it on node24 with an always-run post entry', () => {
    expect(action.name).toBe('imgsec-action')
    expect(typeof action.description).toBe('string')
    expect(typeof action.author).toBe('string')
    expect(action.branding).toEqual({ icon: 'shield', color: 'green' })
    expect(action.runs).toEqual({
      using: 'node24',
      main: 'dist/index.js',
      post: 'dist/post/index.js',
      'post-if': 'always()'
    })
  })

  it('declares every input of the spec with a description and a string default (image: required)', () => {
    expect(Object.keys(action.inputs).sort()).toEqual([...SPEC_INPUTS].sort())
    for (const [name, input] of Object.entries(action.inputs)) {
      expect([name, typeof input.description, (input.description as string).length > 10]).toEqual([
        name,
        'string',
        true
      ])
      if (name === 'image') {
        expect(input).toMatchObject({ required: true })
        expect(input.default).toBeUndefined()
      } else {
        expect([name, typeof input.default]).toEqual([name, 'string'])
      }
    }
  })

  it('declares every output of the spec with a description', () => {
    expect(Object.keys(action.outputs).sort()).toEqual([...SPEC_OUTPUTS].sort())
    for (const [name, output] of Object.entries(action.outputs)) {
      expect([name, typeof output.description]).toEqual([name, 'string'])
    }
  })

  it('declares exactly the inputs src/inputs/get-inputs.ts reads, and nothing else reads inputs', () => {
    const source = readFileSync(join(root, 'src/inputs/get-inputs.ts'), 'utf8')
    const read = new Set(
      [...source.matchAll(/\b(?:input|secret)\('([a-z0-9-]+)'\)/g)].map((m) => m[1])
    )
    expect([...read].sort()).toEqual(Object.keys(action.inputs).sort())
    const others = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && file !== 'inputs/get-inputs.ts')
      .filter((file) =>
        /\bget(?:Boolean|Multiline)?Input\(/.test(readFileSync(join(root, 'src', file), 'utf8'))
      )
    expect(others).toEqual([])
  })

  it('has the defaults src/inputs/get-inputs.ts applies outside a workflow', () => {
    for (const [name, input] of Object.entries(action.inputs)) {
      if (name === 'image') continue
      const expected =
        name === 'github-token'
          ? '${{ github.token }}'
          : INPUT_DEFAULTS[name as keyof typeof INPUT_DEFAULTS]
      expect([name, input.default]).toEqual([name, expected])
    }
  })
})

describe('README', () => {
  it('lists the inputs of action.yml with the same defaults', () => {
    const rows = readmeTable('Inputs')
    const expected = Object.entries(action.inputs).map(([name, input]): [string, string] => [
      name,
      input.required === true
        ? 'required'
        : input.default === ''
          ? '""'
          : `\`${String(input.default)}\``
    ])
    expect(rows).toEqual(expected)
  })

  it('lists the outputs of action.yml', () => {
    expect(readmeTable('Outputs').map(([name]) => name)).toEqual(Object.keys(action.outputs))
  })
})
