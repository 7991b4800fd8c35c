// Where cosign stored a signature: read from `cosign tree` for v3 (a bundle referrer), the tag
// formula for v2.
import { describe, expect, it } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bundleRefsFromTree, storedRef } from '../../../src/cosign/stored.js'
import type { ResolvedImage } from '../../../src/types.js'

const NAME = '127.0.0.1:5999/team/x'
const DIGEST = 'sha256:9924ccf86df21163030bebe4fbeeacbc27a5c11736c670d3aa570728ef454781'
const SIGNATURE = `${NAME}@sha256:dec63f9310c2c7fb486ab17594e7ace65482eda161c68a6324f4cc79370797a8`
const ATTESTATION = `${NAME}@sha256:5b77686d1ed533f1eff5cfcfaacfd821fcef5c3ab4365eba1775d53217e3f77c`
// What the real cosign 3.0.6 printed for an image signed and attested with a key (Debian's
// registry, no referrers API: the fallback tag).
const TREE = [
  `📦 Supply Chain Security Related artifacts for an image: ${NAME}@${DIGEST}`,
  `└── 🔗 https://cosign.sigstore.dev/attestation/vuln/v1 artifacts via OCI referrer: ${ATTESTATION}`,
  '   └── 🍒 sha256:00a48a6f6d0689e3030f530bc09962b2c0d9548e3fbb816ff27e72d7839f7ba6',
  `└── 🔗 https://sigstore.dev/cosign/sign/v1 artifacts via OCI referrer: ${SIGNATURE}`,
  '   └── 🍒 sha256:5e6a5b96a681113e9c9565d132e360240e8e87afef7cbb40e92c33cbe8521c1c',
  ''
].join('\n')

const image: ResolvedImage = {
  ref: { registry: '127.0.0.1:5999', repository: 'team/x', digest: DIGEST } as ResolvedImage['ref'],
  name: NAME,
  digest: DIGEST,
  pinnedRef: `${NAME}@${DIGEST}`,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  isIndex: false,
  platformImages: [{ platform: 'linux/amd64', digest: DIGEST }]
}

function fakeCosign(stdout: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'imgsec-tree-')), 'cosign.mjs')
  writeFileSync(path, `#!/usr/bin/env node\nprocess.stdout.write(${JSON.stringify(stdout)})\n`, {
    mode: 0o755
  })
  return path
}

describe('bundleRefsFromTree', () => {
  it('finds the signature and the attestation bundles by predicate type', () => {
    expect(bundleRefsFromTree(TREE, 'https://sigstore.dev/cosign/sign/v1')).toEqual([SIGNATURE])
    expect(bundleRefsFromTree(TREE, 'https://cosign.sigstore.dev/attestation/vuln/v1')).toEqual([
      ATTESTATION
    ])
    expect(bundleRefsFromTree('No Supply Chain Security Related Artifacts found', 'x')).toEqual([])
  })
})

describe('storedRef', () => {
  it('reads cosign v3 bundles from cosign tree', async () => {
    const cosign = { path: fakeCosign(TREE), version: '3.0.6' }
    expect(await storedRef(cosign, image, 'sign')).toBe(SIGNATURE)
    expect(await storedRef(cosign, image, 'vuln')).toBe(ATTESTATION)
    // No SBOM attestation in this tree: none is named rather than the vuln one.
    expect(await storedRef(cosign, image, 'sbom')).toBe('')
  })

  it('is empty when cosign v3 lists nothing, rather than a guess', async () => {
    const cosign = { path: fakeCosign(''), version: '3.0.6' }
    expect(await storedRef(cosign, image, 'sign')).toBe('')
  })

  it('names the .sig and .att tags for cosign v2', async () => {
    const cosign = { path: '/nonexistent/cosign', version: '2.6.1' }
    const tag = `${NAME}:${DIGEST.replace(':', '-')}`
    expect(await storedRef(cosign, image, 'sign')).toBe(`${tag}.sig`)
    expect(await storedRef(cosign, image, 'vuln')).toBe(`${tag}.att`)
    expect(await storedRef(cosign, image, 'sbom')).toBe(`${tag}.att`)
  })
})
