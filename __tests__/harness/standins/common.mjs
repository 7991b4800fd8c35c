// What the trivy and cosign stand-ins share: both real tools parse their command line with
// spf13/pflag and read registry credentials from the same Docker config, so one copy of each serves
// both. A released stand-in is one file: the harness packager (`standinScript` in assets.ts) puts
// this module into it in place of the `./common.mjs` import, so it may import only `node:` modules.
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

/**
 * pflag's command-line syntax: `--name=value`, `--name value`, `-x value`, `-xvalue`, `-x=value`;
 * a bool needs no value; `--` ends the flags; `-` alone is an argument. `tool` says what the
 * flags are: `type(name)` (undefined for an unknown flag), `shorthand(letter)` (the flag's name),
 * `isBool(type)`, `convert(name, type, value, shown, previous)` (the stored value; throws on a bad
 * one) and `fail(message)` (throws the tool's own error). Returns {flags, args}.
 */
export function parsePflags(argv, tool) {
  const flags = {}
  const args = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') {
      args.push(...argv.slice(i + 1))
      break
    }
    let name
    let value
    let shown
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=')
      name = eq === -1 ? arg.slice(2) : arg.slice(2, eq)
      value = eq === -1 ? undefined : arg.slice(eq + 1)
      shown = `--${name}`
      if (!tool.type(name)) tool.fail(`unknown flag: --${name}`)
    } else if (arg.startsWith('-') && arg.length > 1) {
      const short = arg[1]
      name = tool.shorthand(short)
      if (!name || !tool.type(name)) tool.fail(`unknown shorthand flag: '${short}' in ${arg}`)
      const rest = arg.slice(2)
      value = rest === '' ? undefined : rest.replace(/^=/, '')
      shown = `-${short}, --${name}`
    } else {
      args.push(arg)
      continue
    }
    const type = tool.type(name)
    if (tool.isBool(type)) value ??= 'true'
    else if (value === undefined) {
      if (i + 1 >= argv.length) tool.fail(`flag needs an argument: --${name}`)
      value = argv[++i]
    }
    flags[name] = tool.convert(name, type, value, shown, flags[name])
  }
  return { flags, args }
}

/** pflag reads a string-slice value as one CSV record: commas split, double quotes protect. */
export function csvSplit(value) {
  const out = []
  let current = ''
  let quoted = false
  for (let i = 0; i < value.length; i++) {
    const c = value[i]
    if (quoted && c === '"' && value[i + 1] === '"') current += value[++i]
    else if (c === '"' && (quoted || current === '')) quoted = !quoted
    else if (c === ',' && !quoted) {
      out.push(current)
      current = ''
    } else current += c
  }
  out.push(current)
  return out.filter((v) => v !== '')
}

/** `host[:port]` names this machine: the only registries and token servers a stand-in may reach. */
export function isLoopback(hostPort) {
  const name = hostPort.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1')
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name)
}

/**
 * The registry's entry in the Docker config ($DOCKER_CONFIG or ~/.docker) as {username, password},
 * as both tools' keychains read it; undefined without a config or an entry (anonymous).
 */
export function dockerCredentials(registry) {
  const configDir = process.env.DOCKER_CONFIG || join(homedir(), '.docker')
  let auths
  try {
    auths = JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')).auths ?? {}
  } catch {
    return undefined
  }
  const entry = auths[registry] ?? auths[`http://${registry}`] ?? auths[`https://${registry}`]
  if (entry?.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
  }
  if (entry?.username !== undefined)
    return { username: entry.username, password: entry.password ?? '' }
  return undefined
}

/** The `Authorization` value for basic auth with `credentials`. */
export const basicAuth = ({ username, password }) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`
