// Cleanup on its own: a main step that is killed mid-run (a cancelled job) never gets to remove its
// private folder; the post entry alone must. The kill point is deterministic: the job's OIDC token
// service holds the request, so main waits there with the folder (holding the registry
// credentials) on disk. While the folder exists it is 0700.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startOidcServer, type OidcServer } from '../harness/oidc-server.js'
import { TRIVY_FIXTURES_DIR } from '../harness/paths.js'
import { cleanupRuns, type ActionRun } from '../harness/runner.js'
import { startWorld, type World } from '../harness/world.js'

const REGISTRY_PASSWORD = 'registry-pass-3'
const WORKFLOW_REF = 'octo-org/octo-app/.github/workflows/release.yml@refs/heads/main'

let world: World
let oidc: OidcServer
beforeAll(async () => {
  world = await startWorld({ auth: { username: 'ci', password: REGISTRY_PASSWORD } })
  oidc = await startOidcServer({ jobWorkflowRef: WORKFLOW_REF, hold: true })
})
afterAll(async () => {
  await Promise.all([world.stop(), oidc.stop()])
  cleanupRuns()
})

const privateDirs = (runnerTemp: string): string[] =>
  readdirSync(runnerTemp)
    .filter((name) => name.startsWith('imgsec-private-'))
    .map((name) => join(runnerTemp, name))

describe('a main step killed after its private folder exists', () => {
  const runnerTemp = mkdtempSync(join(tmpdir(), 'imgsec-killed-'))
  const atKill: Array<{ dir: string; mode: number; files: string[]; config: string }> = []
  const afterMain: string[] = []
  let run: ActionRun

  beforeAll(async () => {
    run = await world.run(
      {
        'registry-username': 'ci',
        'registry-password': REGISTRY_PASSWORD,
        steps: 'scan,gate,sign',
        'fail-on': 'none'
      },
      {
        runnerTemp,
        env: {
          STANDIN_TRIVY_REPORT: join(TRIVY_FIXTURES_DIR, 'alpine-310.json'),
          ...oidc.env
        },
        // Main is waiting for its OIDC token: look at the folder, then kill main outright.
        killMainWhen: oidc.requested.then(() => {
          for (const dir of privateDirs(runnerTemp)) {
            atKill.push({
              dir,
              mode: statSync(dir).mode & 0o777,
              files: readdirSync(dir),
              config: readFileSync(join(dir, 'config.json'), 'utf8')
            })
          }
        }),
        beforePost: () => void afterMain.push(...privateDirs(runnerTemp))
      }
    )
  })

  it('had one private folder, mode 0700, holding the registry credentials, when it was killed', () => {
    expect(run.stderr).toMatch(/killed by SIGKILL \(killMainWhen\)/)
    expect(atKill).toHaveLength(1)
    expect(atKill[0]?.mode).toBe(0o700)
    expect(atKill[0]?.files).toEqual(['config.json'])
    const auth = Buffer.from(`ci:${REGISTRY_PASSWORD}`).toString('base64')
    expect(atKill[0]?.config).toContain(auth)
  })

  it('left that folder behind: main did not get to clean up', () => {
    expect(afterMain).toEqual([atKill[0]?.dir])
  })

  it('the post entry alone removes it', () => {
    expect(run.post.exitCode).toBe(0)
    expect(privateDirs(runnerTemp)).toEqual([])
    expect(existsSync(atKill[0]?.dir as string)).toBe(false)
  })
})
