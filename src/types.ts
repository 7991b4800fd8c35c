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
}

export type SignerInfo =
  | { kind: 'key'; fingerprint: string; keySource: string }
  | { kind: 'keyless'; identity: string; issuer: string }

export interface TlogEntry {
  logIndex: number
  url?: string
}

export interface SignResult {
  signer: SignerInfo
  /** Where the signature lives: `registry/repository:sha256-<hex>.sig`. */
  signatureRef: string
  tlogEntry?: TlogEntry
}

export interface VerifyResult {
  verified: boolean
  /** What was checked, one sentence each ("signature by key SHA256:ab…", "digest equals sha256:…"). */
  checks: string[]
  signer?: SignerInfo
  tlogEntry?: TlogEntry
  /** Why verification failed, when it did. */
  failure?: string
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
