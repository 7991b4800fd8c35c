// The stand-in trivy's CycloneDX writer (`trivy convert --format cyclonedx`): the document trivy
// v0.74's encoder (pkg/sbom/io/encode.go) and marshaler (pkg/sbom/cyclonedx/marshal.go) make from a
// JSON report: the image as metadata.component, one operating-system (or application) component
// per result, one library component per package of `Packages` (a report written with
// --list-all-pkgs=false has none, and then no vulnerability either: trivy attaches each
// vulnerability to its package's component), the dependency graph, and the vulnerabilities grouped
// by ID. The conformance test (__tests__/real/conformance.test.ts) holds its shape to the real one.
// Packaged into the stand-in release with common.mjs (see assets.ts): it may import only `node:`.
import { randomUUID } from 'node:crypto'

const NS = 'aquasecurity:trivy:'
const SEVERITY = ['unknown', 'low', 'medium', 'high', 'critical']

/** Properties as trivy writes them: namespaced, empty values and a zero epoch left out, sorted. */
function properties(pairs) {
  return pairs
    .filter(
      ([name, value]) =>
        value !== undefined && value !== '' && !(name === 'SrcEpoch' && value === '0')
    )
    .map(([name, value]) => ({ name: name.includes(':') ? name : NS + name, value: String(value) }))
    .sort((a, b) => (a.name === b.name ? (a.value < b.value ? -1 : 1) : a.name < b.name ? -1 : 1))
}

/** `pkg:oci/<name>@<digest>?arch=…&repository_url=…`, as trivy's purl package makes for an image. */
function ociPurl(metadata) {
  const repoDigest = metadata.RepoDigests?.[0]
  if (!repoDigest) return undefined
  const [repository, digest] = repoDigest.split('@')
  const name = repository.split('/').at(-1).toLowerCase()
  const query = [
    metadata.ImageConfig?.architecture ? `arch=${metadata.ImageConfig.architecture}` : '',
    `repository_url=${repository.replace(/\//g, '%2F')}`
  ].filter(Boolean)
  return `pkg:oci/${name}@${digest}?${query.join('&')}`
}

function rootComponent(report) {
  const metadata = report.Metadata ?? {}
  const image = report.ArtifactType === 'container_image'
  const purl = image ? ociPurl(metadata) : undefined
  const labels = Object.entries(metadata.ImageConfig?.config?.Labels ?? {}).map(([k, v]) => [
    `${NS}Labels:${k}`,
    v
  ])
  const component = {
    'bom-ref': purl ?? randomUUID(),
    type: image ? 'container' : 'application',
    name: report.ArtifactName,
    ...(purl ? { purl } : {}),
    properties: properties([
      ['SchemaVersion', String(report.SchemaVersion)],
      ...(image ? [['ImageID', metadata.ImageID], ...labels] : []),
      ['Size', metadata.Size ? String(metadata.Size) : undefined],
      ...(metadata.RepoDigests ?? []).map((d) => ['RepoDigest', d]),
      ...(metadata.DiffIDs ?? []).map((d) => ['DiffID', d]),
      ...(metadata.RepoTags ?? []).map((t) => ['RepoTag', t]),
      ['Reference', metadata.Reference]
    ])
  }
  return component
}

/** A license as CycloneDX names it: an SPDX id when it looks like one, else a name. */
const license = (text) =>
  /^[A-Za-z0-9.+-]+$/.test(text) ? { license: { id: text } } : { license: { name: text } }

function packageComponent(result, pkg) {
  const purl = pkg.Identifier?.PURL
  return {
    'bom-ref': pkg.Identifier?.BOMRef || purl || randomUUID(),
    type: 'library',
    name: pkg.Name,
    version: pkg.Release ? `${pkg.Version}-${pkg.Release}` : pkg.Version,
    ...(pkg.Licenses?.length ? { licenses: pkg.Licenses.map(license) } : {}),
    ...(purl ? { purl } : {}),
    properties: properties([
      ['PkgID', pkg.ID || `${pkg.Name}@${pkg.Version}`],
      ['PkgType', result.Type],
      ['FilePath', pkg.FilePath],
      ['SrcName', pkg.SrcName],
      ['SrcVersion', pkg.SrcVersion],
      ['SrcRelease', pkg.SrcRelease],
      ['SrcEpoch', String(pkg.SrcEpoch ?? 0)],
      ['LayerDigest', pkg.Layer?.Digest],
      ['LayerDiffID', pkg.Layer?.DiffID]
    ])
  }
}

function ratings(vuln) {
  const out = []
  for (const [source, level] of Object.entries(vuln.VendorSeverity ?? {})) {
    const severity = SEVERITY[level] ?? 'unknown'
    const cvss = vuln.CVSS?.[source]
    if (!cvss) {
      out.push({ source: { name: source }, severity })
      continue
    }
    if (cvss.V2Score || cvss.V2Vector) {
      const v2 =
        source === 'nvd'
          ? cvss.V2Score >= 7
            ? 'high'
            : cvss.V2Score >= 4
              ? 'medium'
              : 'low'
          : severity
      out.push({
        source: { name: source },
        score: cvss.V2Score ?? 0,
        severity: v2,
        method: 'CVSSv2',
        ...(cvss.V2Vector ? { vector: cvss.V2Vector } : {})
      })
    }
    if (cvss.V3Score || cvss.V3Vector) {
      out.push({
        source: { name: source },
        score: cvss.V3Score ?? 0,
        severity,
        method: cvss.V3Vector?.startsWith('CVSS:3.1') ? 'CVSSv31' : 'CVSSv3',
        ...(cvss.V3Vector ? { vector: cvss.V3Vector } : {})
      })
    }
    if (cvss.V40Score || cvss.V40Vector) {
      out.push({
        source: { name: source },
        score: cvss.V40Score ?? 0,
        severity,
        method: 'CVSSv4',
        ...(cvss.V40Vector ? { vector: cvss.V40Vector } : {})
      })
    }
  }
  const key = (r) => `${r.source.name}\0${r.method ?? ''}\0${String(r.score ?? '').padStart(8)}`
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
}

const timestamp = (text) =>
  text ? new Date(text).toISOString().replace(/\.\d+Z$/, '+00:00') : undefined

function vulnerability(v, ref) {
  const urls = [...new Set([v.PrimaryURL, ...(v.References ?? [])])]
    .map((u) => (u ?? '').split(' ').find((part) => /^[a-z][a-z0-9+.-]*:\/\/[^/]/i.test(part)))
    .filter(Boolean)
  const cwes = v.CweIDs?.map((id) => Number(String(id).toLowerCase().replace(/^cwe-/, ''))).filter(
    (n) => Number.isInteger(n)
  )
  return {
    id: v.VulnerabilityID,
    ...(v.DataSource ? { source: { name: v.DataSource.ID, url: v.DataSource.URL } } : {}),
    ratings: ratings(v),
    ...(cwes ? { cwes } : {}),
    ...(v.Description ? { description: v.Description } : {}),
    ...(v.FixedVersion
      ? { recommendation: `Upgrade ${v.PkgName} to version ${v.FixedVersion}` }
      : {}),
    ...(urls.length ? { advisories: urls.map((url) => ({ url })) } : {}),
    ...(v.PublishedDate ? { published: timestamp(v.PublishedDate) } : {}),
    ...(v.LastModifiedDate ? { updated: timestamp(v.LastModifiedDate) } : {}),
    affects: [{ ref, versions: [{ version: v.InstalledVersion, status: 'affected' }] }]
  }
}

/** The CycloneDX document of a trivy JSON report. */
export function cyclonedx(report, trivyVersion, now = new Date()) {
  const root = rootComponent(report)
  const components = []
  const dependsOn = new Map([[root['bom-ref'], []]])
  const vulns = new Map()
  for (const result of report.Results ?? []) {
    // Other results (secrets, misconfigurations) are no components of an SBOM.
    if (result.Class !== 'os-pkgs' && result.Class !== 'lang-pkgs') continue
    const os = result.Class === 'os-pkgs' ? report.Metadata?.OS : undefined
    const parent = {
      'bom-ref': randomUUID(),
      type: result.Class === 'os-pkgs' ? 'operating-system' : 'application',
      name: os?.Family ?? result.Target,
      ...(os?.Name ? { version: os.Name } : {}),
      properties: properties([
        ['Class', result.Class],
        ['Type', result.Type]
      ])
    }
    components.push(parent)
    dependsOn.get(root['bom-ref']).push(parent['bom-ref'])
    dependsOn.set(parent['bom-ref'], [])
    const byId = new Map()
    const byUid = new Map()
    for (const pkg of result.Packages ?? []) {
      const component = packageComponent(result, pkg)
      components.push(component)
      byId.set(pkg.ID || `${pkg.Name}@${pkg.Version}`, component['bom-ref'])
      if (pkg.Identifier?.UID) byUid.set(pkg.Identifier.UID, component['bom-ref'])
    }
    const hasParent = new Set((result.Packages ?? []).flatMap((pkg) => pkg.DependsOn ?? []))
    for (const pkg of result.Packages ?? []) {
      const ref = byId.get(pkg.ID || `${pkg.Name}@${pkg.Version}`)
      if (!hasParent.has(pkg.ID)) dependsOn.get(parent['bom-ref']).push(ref)
      dependsOn.set(ref, (pkg.DependsOn ?? []).map((id) => byId.get(id)).filter(Boolean))
    }
    for (const v of result.Vulnerabilities ?? []) {
      const ref = byUid.get(v.PkgIdentifier?.UID)
      if (!ref) continue
      const known = vulns.get(v.VulnerabilityID)
      if (!known) {
        vulns.set(v.VulnerabilityID, vulnerability(v, ref))
        continue
      }
      known.affects.push({ ref, versions: [{ version: v.InstalledVersion, status: 'affected' }] })
      if (v.FixedVersion) {
        const advice = `Upgrade ${v.PkgName} to version ${v.FixedVersion}`
        const all = new Set([...(known.recommendation?.split('; ') ?? []), advice])
        known.recommendation = [...all].sort().join('; ')
      }
    }
  }
  const byRef = (a, b) => (a < b ? -1 : a > b ? 1 : 0)
  return {
    $schema: 'http://cyclonedx.org/schema/bom-1.7.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.7',
    serialNumber: `urn:uuid:${randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: now.toISOString().replace(/\.\d+Z$/, '+00:00'),
      tools: {
        components: [
          {
            type: 'application',
            manufacturer: { name: 'Aqua Security Software Ltd.' },
            group: 'aquasecurity',
            name: 'trivy',
            version: trivyVersion
          }
        ]
      },
      component: root
    },
    components: components.sort((a, b) => byRef(a['bom-ref'], b['bom-ref'])),
    dependencies: [...dependsOn]
      .map(([ref, deps]) => ({ ref, dependsOn: [...deps].sort(byRef) }))
      .sort((a, b) => byRef(a.ref, b.ref)),
    vulnerabilities: [...vulns.values()]
      .map((v) => ({ ...v, affects: v.affects.sort((a, b) => byRef(a.ref, b.ref)) }))
      .sort((a, b) => byRef(a.id, b.id))
  }
}
