// The shared domain types (steps, severities, images, keys, what each step produced): data only, so
// that the input boundary, the tools and the reports all depend on this module and not on each other.

export const STEPS = ['scan', 'gate', 'sign', 'attest', 'verify'] as const
export type Step = (typeof STEPS)[number]

/** Trivy's severities, most severe first. */
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const
export type Severity = (typeof SEVERITIES)[number]
/** The gate's threshold: the lowest severity that fails it, or NONE (never fails). */
export type FailOn = Severity | 'NONE'

export type StepStatus = 'passed' | 'failed' | 'skipped' | 'error'

export interface StepRecord {
  step: Step
  status: StepStatus
  durationMs: number
  /** Why a step was skipped or failed, in a few words ("gate failed", "not selected"). */
  reason?: string
}

/** An image reference as parsed from the `image` input (Docker Hub short names normalised). */
export interface ImageRef {
  /** `docker.io`, `ghcr.io`, `127.0.0.1:5000` … */
  registry: string
  /** `library/alpine`, `org/app` … */
  repository: string
  tag?: string
  /** `sha256:<64 hex>` when the input pinned one. */
  digest?: string
}

/** The image after digest resolution: every tool call after this names `pinnedRef`. */
export interface ResolvedImage {
  ref: ImageRef
  /** `registry/repository`, e.g. `docker.io/library/alpine`. */
  name: string
  digest: string
  /** `registry/repository@sha256:…` */
  pinnedRef: string
  /** Manifest media type; an index/manifest list for multi-platform images. */
  mediaType: string
  isIndex: boolean
  /**
   * For an index: its platform images, attestation manifests left out. For a single image: the
   * image itself, with the platform its config names.
   */
  platformImages: PlatformImage[]
}

/** One platform image of an index, as the index lists it. */
export interface PlatformImage {
  /** `os/arch[/variant]`, e.g. `linux/arm64/v8`. */
  platform: string
  /** `sha256:…` of the platform image's own manifest. */
  digest: string
}

/**
 * One image the steps act on: a platform image of an index, the index itself (signed, never
 * scanned), or a single image.
 */
export interface ImageTarget {
  /** `linux/arm64`; absent for an index, and for an image not read from a registry. */
  platform?: string
  /** True for the index itself. */
  index?: boolean
  /** `sha256:…`; absent for an image not read from a registry. */
  digest?: string
  /** What trivy and cosign name: `repo@sha256:<digest>`, or the input for other image sources. */
  ref: string
}

/** The `platforms` input: every platform image of an index, or the listed ones (`os/arch[/variant]`). */
export type PlatformSelection = { kind: 'all' } | { kind: 'list'; platforms: string[] }

/** What `attest` attaches to each scanned image digest. */
export const ATTESTATION_TYPES = ['vuln', 'sbom'] as const
export type AttestationType = (typeof ATTESTATION_TYPES)[number]

export type SignerInfo =
  | { kind: 'key'; fingerprint: string; keySource: string }
  | { kind: 'keyless'; identity: string; issuer: string }

export interface TlogEntry {
  logIndex: number
  url?: string
}

/** One signature or attestation that `sign` or `attest` stored for one image digest. */
export interface SignedImage {
  target: ImageTarget
  /** attest only: what the attestation holds. */
  type?: AttestationType
  /** Where the registry holds it: the bundle's `repo@sha256:…` (cosign v3) or `repo:sha256-….sig`. */
  signatureRef: string
  tlogEntry?: TlogEntry
}

export interface SignResult {
  signer: SignerInfo
  /** In signing order: the index (when signed) first, then the platform images. */
  images: SignedImage[]
}

/** One check of verify's policy, as the `verification` output and the reports show it. */
export interface VerificationCheck {
  /** What was checked: `signature`, `vuln attestation`, `scan age`, `attested findings`… */
  check: string
  passed: boolean
  /** One sentence: what was found, and on failure what was required. */
  detail: string
}

/** Verification of one image digest. */
export interface ImageVerification {
  target: ImageTarget
  /** True when every check passed. */
  verified: boolean
  checks: VerificationCheck[]
  tlogEntry?: TlogEntry
  /** Why verification failed, when it did. */
  failure?: string
}

export interface VerifyResult {
  /** True only when every image verified. */
  verified: boolean
  signer?: SignerInfo
  images: ImageVerification[]
}

export const SCANNERS = ['vuln', 'secret', 'misconfig', 'license'] as const
export type Scanner = (typeof SCANNERS)[number]

export type ImageSource =
  | { kind: 'registry' }
  | { kind: 'docker' }
  | { kind: 'podman' }
  /** An image tarball, absolute path inside the workspace. */
  | { kind: 'tarball'; path: string }

/** A key given as PEM contents, a file path (absolute), or a URI handed to cosign as is. */
export type KeyInput =
  { kind: 'pem'; pem: string } | { kind: 'path'; path: string } | { kind: 'uri'; uri: string }

export interface ToolVersionInput {
  /** Semver without a leading `v`, e.g. `0.74.0`. */
  version: string
  /** Expected SHA-256 (lower-case hex) of this platform's release asset, when the user gave one. */
  sha256?: string
}
