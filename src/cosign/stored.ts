// Where cosign put a signature or an attestation, read back from the registry rather than assumed.
// cosign v2 (and v3 with --new-bundle-format=false, which the action never passes) writes the
// `sha256-<hex>.sig` / `.att` tags. cosign v3 writes a Sigstore bundle as an OCI 1.1 referrer of the
// image, listed by the registry's referrers API or, on a registry without it, under the fallback
// tag `sha256-<hex>` (an index): the reference users can fetch is the bundle manifest's digest,
// which only the registry knows. `cosign tree` lists it with cosign's own registry access.
import * as core from '@actions/core'
import { cosignMajor, treeArgs } from './args.js'
import { PREDICATE_TYPES } from './attestation.js'

import { runTool, tail } from '../tools/exec.js'

/** The predicate types cosign v3 gives its bundles (the `dev.sigstore.bundle.predicateType` annotation). */
export const BUNDLE_PREDICATE_TYPES = {
  sign: 'https://sigstore.dev/cosign/sign/v1',
  ...PREDICATE_TYPES
} as const

export type StoredKind = keyof typeof BUNDLE_PREDICATE_TYPES

/**
 * The bundle references `cosign tree` lists for a predicate type, in its order:
 * `└── 🔗 <predicateType> artifacts via OCI referrer: <repo>@sha256:<hex>`.
 */
export function bundleRefsFromTree(stdout: string, predicateType: string): string[] {
  const refs: string[] = []
  for (const line of stdout.split('\n')) {
    const match = /(\S+) artifacts via OCI referrer: (\S+@sha256:[a-f0-9]{64})\s*$/.exec(line)
    if (match && match[1] === predicateType) refs.push(match[2] as string)
  }
  return refs
}

interface TreeTool {
  path: string
  version: string
  env?: Record<string, string>
}

/** The reference of what `kind` stored for the image; '' (with a warning) when cosign lists none. */
export async function storedRef(
  cosign: TreeTool,
  image: { name: string; digest: string; pinnedRef: string },
  kind: StoredKind
): Promise<string> {
  if (cosignMajor(cosign.version) < 3) {
    return `${image.name}:${image.digest.replace(':', '-')}${kind === 'sign' ? '.sig' : '.att'}`
  }
  const result = await runTool(cosign.path, treeArgs(image.pinnedRef), {
    env: cosign.env,
    silent: true
  })
  const refs =
    result.exitCode === 0 ? bundleRefsFromTree(result.stdout, BUNDLE_PREDICATE_TYPES[kind]) : []
  if (refs.length === 0) {
    core.warning(
      `cosign ${kind} succeeded for ${image.pinnedRef}, but cosign tree lists no ` +
        `${BUNDLE_PREDICATE_TYPES[kind]} bundle for it: the reference of what was stored is unknown` +
        (result.exitCode === 0 ? '' : ` (${tail(result.stderr, 2).replace(/\n/g, ' ')})`)
    )
    return ''
  }
  // Several: signed before. The registry appends to the fallback index, so the last is this run's.
  return refs.at(-1) as string
}
