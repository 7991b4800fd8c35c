// What trivy can see of the job: nothing that steers it but our argv and its own settings (no
// inherited TRIVY_* variable, no trivy.yaml or trivy-secret.yaml from the workspace it starts in),
// and registry credentials only in a private Docker config, for their own registry.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { removePrivateTempDir } from '../../../src/secure-fs/private-dir.js'
import { runScan } from '../../../src/trivy/scan.js'
import { scanOptions } from '../../harness/trivy-standin-run.js'

const TARGET = `registry.example.com:5000/org/app@sha256:${'d'.repeat(64)}`
const PLANTED = {
  TRIVY_SEVERITY: 'LOW',
  TRIVY_USERNAME: 'planted',
  TRIVY_PASSWORD: 'planted',
  TRIVY_CONFIG: '/tmp/planted-trivy.yaml',
  GITHUB_TOKEN: 'ghs_job_token',
  ACTIONS_RUNTIME_TOKEN: 'runtime-token'
}

interface Started {
  argv: string[]
  cwd: string
  cwdEntries: string[]
  env: Record<string, string>
  dockerConfig?: { auths: Record<string, { auth: string }> }
}

let work: string
let workspace: string
let log: string
let trivy: string
const cwd = process.cwd()

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'imgsec-trivy-env-'))
  process.env['RUNNER_TEMP'] = work
  log = join(work, 'started.jsonl')
  // The workspace a pull request controls, with the files trivy reads from its working directory.
  workspace = mkdtempSync(join(tmpdir(), 'imgsec-trivy-ws-'))
  writeFileSync(join(workspace, 'trivy.yaml'), 'severity: [LOW]\n')
  writeFileSync(join(workspace, 'trivy-secret.yaml'), 'disable-rules: [all]\n')
  // A trivy that records how it was started and writes an empty report where it is told to.
  trivy = join(work, 'trivy')
  writeFileSync(
    trivy,
    [
      '#!/usr/bin/env node',
      "const fs = require('node:fs')",
      "const path = require('node:path')",
      'const argv = process.argv.slice(2)',
      "const config = process.env.DOCKER_CONFIG && path.join(process.env.DOCKER_CONFIG, 'config.json')",
      'const dockerConfig = config && fs.existsSync(config) ? JSON.parse(fs.readFileSync(config, "utf8")) : undefined',
      `fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ argv, cwd: process.cwd(), cwdEntries: fs.readdirSync('.'), env: process.env, dockerConfig }) + '\\n')`,
      "const out = argv[argv.indexOf('--output') + 1]",
      "fs.writeFileSync(out, JSON.stringify({ SchemaVersion: 2, ArtifactName: 'x', Results: [] }))",
      ''
    ].join('\n')
  )
  chmodSync(trivy, 0o755)
  process.chdir(workspace)
})

afterEach(() => {
  for (const name of Object.keys(PLANTED)) delete process.env[name]
  rmSync(log, { force: true })
})

afterAll(() => {
  process.chdir(cwd)
  removePrivateTempDir()
  rmSync(work, { recursive: true, force: true })
  rmSync(workspace, { recursive: true, force: true })
})

function started(): Started {
  return JSON.parse(readFileSync(log, 'utf8').trim().split('\n')[0] ?? '{}') as Started
}

describe('trivy', () => {
  it('starts in a private, empty directory with none of the job’s TRIVY_* variables', async () => {
    Object.assign(process.env, PLANTED)
    await runScan(trivy, scanOptions(work, TARGET))
    const run = started()
    expect(run.cwd).not.toBe(workspace)
    expect(run.cwdEntries).toEqual([])
    for (const name of Object.keys(PLANTED)) expect(run.env[name]).toBeUndefined()
    expect(run.argv).toEqual(
      expect.arrayContaining(['--severity', 'UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL'])
    )
  })

  it('gets registry credentials in a Docker config with one entry, for the image’s registry', async () => {
    // Commas and spaces are fine: nothing splits a Docker config's values.
    const credentials = { username: 'ci bot', password: 'pass, word' }
    await runScan(trivy, scanOptions(work, TARGET, { credentials }))
    const run = started()
    expect(Object.keys(run.env).filter((name) => /^TRIVY_(USERNAME|PASSWORD)$/.test(name))).toEqual(
      []
    )
    const auths = run.dockerConfig?.auths ?? {}
    expect(Object.keys(auths)).toEqual(['registry.example.com:5000'])
    expect(Buffer.from(auths['registry.example.com:5000']?.auth ?? '', 'base64').toString()).toBe(
      'ci bot:pass, word'
    )
  })
})
