// The input boundary: the only module that calls core.getInput*. It reads every input of
// action.yml into one typed, validated `Inputs`, or throws an InputError naming the input.
import type { FailOn, ImageRef, Step } from './pipeline.js'

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
  | { kind: 'pem'; pem: string }
  | { kind: 'path'; path: string }
  | { kind: 'uri'; uri: string }

export interface ToolVersionInput {
  /** Semver without a leading `v`, e.g. `0.74.0`. */
  version: string
  /** Expected SHA-256 (lower-case hex) of this platform's release asset, when the user gave one. */
  sha256?: string
}

export interface Inputs {
  image: ImageRef
  /** The selected steps; they always run in STEPS order. */
  steps: ReadonlySet<Step>
  failOn: FailOn
  ignoreUnfixed: boolean
  /** Absolute path; `.trivyignore` in the workspace when it exists and the input is empty. */
  ignoreFile?: string
  /** Absolute paths of VEX documents. */
  vex: string[]
  scanners: Scanner[]
  platform?: string
  imageSource: ImageSource
  trivy: ToolVersionInput
  cosign: ToolVersionInput
  /** No trailing slash. */
  downloadBaseUrl: string
  /** Empty means trivy's own default order. */
  trivyDbRepositories: string[]
  cacheDb: boolean
  cosignKey?: KeyInput
  cosignPassword?: string
  /** `uri` kind also carries https:// URLs. */
  cosignPublicKey?: KeyInput
  certificateIdentity?: string
  certificateIdentityRegexp?: string
  certificateOidcIssuer: string
  /** `key=value` pairs, in the order given. */
  annotations: Array<[string, string]>
  recursive: boolean
  tlogUpload: boolean
  registryCredentials?: { username: string; password: string }
  /** Absolute path inside the workspace. */
  sarifFile: string
  sarifCategory: string
  uploadSarif: boolean
  summary: boolean
  annotate: boolean
  /** Absolute path inside the workspace. */
  dockerfile?: string
  githubToken: string
  /** GITHUB_WORKSPACE, or the current directory outside a runner. */
  workspace: string
}

export function getInputs(): Inputs {
  throw new Error('not implemented yet')
}
