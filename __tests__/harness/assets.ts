// Release assets for the stand-in trivy and cosign, named and packed as on GitHub releases (pins.md),
// so that the action's installer downloads, verifies and extracts them exactly as it would the real ones.
//
//   buildRelease(tool, version, { tampered? }) -> Release
//     files: every asset for every platform plus the checksums file, by file name.
//     trivy: trivy_<ver>_{Linux-64bit,Linux-ARM64,macOS-64bit,macOS-ARM64}.tar.gz holding trivy (0755),
//            README.md, LICENSE, contrib/html.tpl; trivy_<ver>_windows-64bit.zip holding trivy.exe, …;
//            trivy_<ver>_checksums.txt.
//     cosign: cosign-{linux,darwin}-{amd64,arm64}, cosign-windows-amd64.exe (bare, the script itself);
//            cosign_checksums.txt.
//     tampered: asset names (or true for all) whose bytes differ from what the checksums file says,
//            as when an attacker replaces an asset but not the checksums file. The tampered asset is
//            still a valid archive/script (one extra comment line), so only the digest betrays it.
//   standinScript(tool, version) -> the stand-in's text with `0.0.0-standin` replaced by version, and
//     its imports of sibling modules (`./common.mjs`…) made self-contained (a release asset is one file).
//   sha256(bytes) -> lower-case hex.
//
// The stand-ins are __tests__/harness/standins/<tool>.mjs; while one is missing, a tiny placeholder
// that prints its version is packed instead.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { assetName, checksumsFileName, PLATFORMS, type Tool } from '../../src/tools/releases.js'
import { STANDIN_DIR } from './paths.js'

export interface Release {
  tool: Tool
  version: string
  /** File name -> bytes, including the checksums file. */
  files: Map<string, Buffer>
  /** The asset names (not the checksums file). */
  assets: string[]
  checksumsFile: string
}

export interface BuildOptions {
  tampered?: string[] | boolean
}

export { STANDIN_DIR }
const VERSION_PLACEHOLDER = '0.0.0-standin'
const FIXED_TIME = new Date('2026-01-01T00:00:00Z')

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex')
}

export function standinScript(tool: Tool, version: string): string {
  const path = join(STANDIN_DIR, `${tool}.mjs`)
  const source = existsSync(path) ? readFileSync(path, 'utf8') : placeholder(tool)
  return inlineCommon(source).replaceAll(VERSION_PLACEHOLDER, version)
}

/**
 * A released stand-in runs alone in the tool cache, without its sibling modules (`common.mjs`,
 * `trivy-cyclonedx.mjs`) beside it: each import of one names the module's text as a `data:` URL
 * instead (Node imports it as ES module; the siblings import only `node:`).
 */
function inlineCommon(source: string): string {
  return source.replace(/from '\.\/([\w-]+\.mjs)'/g, (_match, name: string) => {
    const text = readFileSync(join(STANDIN_DIR, name))
    return `from 'data:text/javascript;base64,${text.toString('base64')}'`
  })
}

function placeholder(tool: Tool): string {
  return [
    '#!/usr/bin/env node',
    `const VERSION = '${VERSION_PLACEHOLDER}'`,
    `console.log('${tool} placeholder', 'Version: ' + VERSION, JSON.stringify(process.argv.slice(2)))`,
    ''
  ].join('\n')
}

const cache = new Map<string, Release>()

export function buildRelease(tool: Tool, version: string, options: BuildOptions = {}): Release {
  const key = JSON.stringify([tool, version, options.tampered ?? false])
  let release = cache.get(key)
  if (!release) {
    release = tool === 'trivy' ? buildTrivy(version, options) : buildCosign(version, options)
    cache.set(key, release)
  }
  return release
}

function isTampered(asset: string, options: BuildOptions): boolean {
  const { tampered } = options
  return tampered === true || (Array.isArray(tampered) && tampered.includes(asset))
}

/** One extra comment line: still runs, different digest. */
function tamper(script: string): string {
  return `${script}\n// tampered: not the published build\n`
}

function buildCosign(version: string, options: BuildOptions): Release {
  const script = standinScript('cosign', version)
  const files = new Map<string, Buffer>()
  const lines: string[] = []
  for (const platform of PLATFORMS) {
    const asset = assetName('cosign', version, platform) as string
    const genuine = Buffer.from(script)
    lines.push(`${sha256(genuine)}  ${asset}`)
    files.set(asset, isTampered(asset, options) ? Buffer.from(tamper(script)) : genuine)
  }
  return finish('cosign', version, files, lines)
}

function buildTrivy(version: string, options: BuildOptions): Release {
  const script = standinScript('trivy', version)
  const work = mkdtempSync(join(tmpdir(), 'imgsec-assets-'))
  try {
    const files = new Map<string, Buffer>()
    const lines: string[] = []
    for (const platform of PLATFORMS) {
      const asset = assetName('trivy', version, platform) as string
      const exe = platform.os === 'windows' ? 'trivy.exe' : 'trivy'
      const genuine = packTrivy(work, asset, exe, script)
      lines.push(`${sha256(genuine)}  ${asset}`)
      files.set(
        asset,
        isTampered(asset, options) ? packTrivy(work, asset, exe, tamper(script)) : genuine
      )
    }
    return finish('trivy', version, files, lines)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** Packs one archive the way goreleaser does: the binary and docs at the archive's root. */
function packTrivy(work: string, asset: string, exe: string, script: string): Buffer {
  const root = mkdtempSync(join(work, 'tree-'))
  writeFileSync(join(root, exe), script)
  chmodSync(join(root, exe), 0o755)
  writeFileSync(join(root, 'README.md'), '# trivy (stand-in)\n')
  writeFileSync(join(root, 'LICENSE'), 'Apache License 2.0 (stand-in)\n')
  mkdirSync(join(root, 'contrib'))
  writeFileSync(join(root, 'contrib', 'html.tpl'), '<html>{{ . }}</html>\n')
  const out = join(work, `${Math.random().toString(36).slice(2)}-${asset}`)
  const entries = [exe, 'README.md', 'LICENSE', 'contrib', 'contrib/html.tpl']
  // Fixed times, owners and order: the same script always gives the same bytes (and digest).
  for (const entry of entries) utimesSync(join(root, entry), FIXED_TIME, FIXED_TIME)
  if (asset.endsWith('.zip')) {
    execFileSync('zip', ['-q', '-X', '-D', out, ...entries.filter((e) => e !== 'contrib')], {
      cwd: root
    })
  } else {
    const tar = ['-cf', out, '--use-compress-program=gzip -n', '--owner=0', '--group=0']
    execFileSync('tar', [...tar, '--numeric-owner', '--no-recursion', ...entries], { cwd: root })
  }
  return readFileSync(out)
}

function finish(tool: Tool, version: string, files: Map<string, Buffer>, lines: string[]): Release {
  const assets = [...files.keys()]
  const checksumsFile = checksumsFileName(tool, version)
  // Sorted by file name, as goreleaser writes it.
  const byName = (line: string): string => line.slice(66)
  lines.sort((a, b) => byName(a).localeCompare(byName(b)))
  files.set(checksumsFile, Buffer.from(`${lines.join('\n')}\n`))
  return { tool, version, files, assets, checksumsFile }
}
