// A release mirror on loopback serving the stand-in assets (assets.ts) in GitHub's release URL layout,
// for the action's `download-base-url`:
//   <baseUrl>/aquasecurity/trivy/releases/download/v<ver>/<file>
//   <baseUrl>/sigstore/cosign/releases/download/v<ver>/<file>
//
//   const mirror = await startMirror({ trivy: ['0.73.1'], cosign: ['3.0.5'] }, { throttleBytesPerSecond?, releases? })
//   mirror.baseUrl                  http://127.0.0.1:PORT (no trailing slash)
//   mirror.requests                 { count, paths, maxConcurrent } of every request received, faulty
//                                   or not; maxConcurrent: most bodies in flight at once
//   mirror.release(tool, version)   the Release being served (its files and checksums)
//   mirror.trustedRoot              trusted_root.json text of the test Sigstore (sigstore.ts) that
//                                   signed every genuine asset: `<asset>.sigstore.json` is served too,
//                                   for the identity the action expects of that tool and version
//   await mirror.sign(bytes, signer)  a bundle from that same test Sigstore, for any identity
//   mirror.setFault(...faults)      replaces the active faults; setFault() clears them
//     { kind: 'wrong-bytes', asset }            serve a tampered build of the asset (checksums unchanged)
//     { kind: 'replace', file, body }           serve these bytes for a file (e.g. an edited checksums file)
//     { kind: 'status', times, status?, asset? } answer the next `times` matching requests with
//                                                status (503 by default); any file when no asset
//     { kind: 'reset', asset, times? }           send half the body, then destroy the socket (once by default)
//     { kind: 'not-found', asset }              404 for the asset
//   mirror.setThrottle(bytesPerSecond?)         send bodies at about that rate (benchmark); no argument: full speed
//   await mirror.stop()
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Tool } from '../../src/tools/releases.js'
import { bundleFileName, releaseSigner } from '../../src/tools/releases.js'
import { buildRelease, type Release } from './assets.js'
import { startTestSigstore, type TestSigner } from './sigstore.js'

export type MirrorFault =
  | { kind: 'wrong-bytes'; asset: string }
  | { kind: 'replace'; file: string; body: Buffer | string }
  | { kind: 'status'; times: number; status?: number; asset?: string }
  | { kind: 'reset'; asset: string; times?: number }
  | { kind: 'not-found'; asset: string }

export interface Mirror {
  baseUrl: string
  trustedRoot: string
  sign(artifact: Buffer, signer: TestSigner): Promise<Buffer>
  requests: { count: number; paths: string[]; maxConcurrent: number }
  release(tool: Tool, version: string): Release
  setFault(...faults: MirrorFault[]): void
  setThrottle(bytesPerSecond?: number): void
  stop(): Promise<void>
}

const REPOSITORIES: Record<string, Tool> = {
  'aquasecurity/trivy': 'trivy',
  'sigstore/cosign': 'cosign'
}

export async function startMirror(
  versions: { trivy?: string[]; cosign?: string[] },
  options: { throttleBytesPerSecond?: number; releases?: Release[] } = {}
): Promise<Mirror> {
  const releases = new Map<string, Release>()
  const sigstore = await startTestSigstore()
  // `<tool>@<version>/<asset>.sigstore.json` -> bundle over the genuine asset.
  const bundles = new Map<string, Buffer>()
  // Releases built elsewhere (the real tools, real/tools.ts), served as they are.
  for (const release of options.releases ?? []) {
    releases.set(`${release.tool}@${release.version}`, release)
  }
  for (const tool of ['trivy', 'cosign'] as const) {
    for (const version of versions[tool] ?? []) {
      const release = buildRelease(tool, version)
      releases.set(`${tool}@${version}`, release)
      for (const asset of release.assets) {
        const bundle = await sigstore.sign(
          release.files.get(asset) as Buffer,
          releaseSigner(tool, version)
        )
        bundles.set(`${tool}@${version}/${bundleFileName(asset)}`, Buffer.from(bundle))
      }
    }
  }
  const requests = { count: 0, paths: [] as string[], maxConcurrent: 0 }
  let inFlight = 0
  // Counted faults keep their remaining count here, so `times` counts down across requests.
  let faults: Array<MirrorFault & { left: number }> = []
  let throttle = options.throttleBytesPerSecond

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://mirror').pathname
    requests.count++
    requests.paths.push(path)
    const match = /^\/([^/]+\/[^/]+)\/releases\/download\/v([^/]+)\/([^/]+)$/.exec(path)
    const tool = match && REPOSITORIES[match[1] as string]
    const version = match?.[2] as string
    const file = match?.[3] as string
    const release = tool ? releases.get(`${tool}@${version}`) : undefined
    let body = release?.files.get(file) ?? bundles.get(`${tool}@${version}/${file}`)
    if (!tool || !body) return void res.writeHead(404).end('Not Found')

    const fault = faults.find((f) => f.left > 0 && faultMatches(f, file))
    if (fault) fault.left--
    switch (fault?.kind) {
      case 'not-found':
        return void res.writeHead(404).end('Not Found')
      case 'status':
        return void res.writeHead(fault.status ?? 503).end('Service Unavailable')
      case 'reset':
        res.writeHead(200, { 'Content-Length': body.length })
        res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy())
        return
      case 'wrong-bytes':
        body = buildRelease(tool, version, { tampered: [file] }).files.get(file) as Buffer
        break
      case 'replace':
        body = Buffer.from(fault.body)
        break
    }
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': body.length
    })
    if (req.method === 'HEAD') return void res.end()
    inFlight++
    requests.maxConcurrent = Math.max(requests.maxConcurrent, inFlight)
    res.on('close', () => inFlight--)
    void send(res, body, throttle)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    trustedRoot: sigstore.trustedRoot,
    sign: async (artifact, signer) => Buffer.from(await sigstore.sign(artifact, signer)),
    requests,
    release(tool, version) {
      const release = releases.get(`${tool}@${version}`)
      if (!release) throw new Error(`the mirror serves no ${tool} ${version}`)
      return release
    },
    setFault(...next) {
      faults = next.map((f) => ({
        ...f,
        left: f.kind === 'status' ? f.times : f.kind === 'reset' ? (f.times ?? 1) : Infinity
      }))
    },
    setThrottle(bytesPerSecond) {
      throttle = bytesPerSecond
    },
    async stop() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

function faultMatches(fault: MirrorFault, file: string): boolean {
  switch (fault.kind) {
    case 'status':
      return !fault.asset || fault.asset === file
    case 'replace':
      return fault.file === file
    default:
      return fault.asset === file
  }
}

const TICK_MS = 50

/** Writes the body whole, or in timed slices that add up to about `bytesPerSecond`. */
async function send(res: ServerResponse, body: Buffer, bytesPerSecond?: number): Promise<void> {
  if (!bytesPerSecond) return void res.end(body)
  const slice = Math.max(1, Math.floor((bytesPerSecond * TICK_MS) / 1000))
  for (let offset = 0; offset < body.length; offset += slice) {
    if (res.destroyed) return
    res.write(body.subarray(offset, offset + slice))
    await new Promise((resolve) => setTimeout(resolve, TICK_MS))
  }
  res.end()
}
