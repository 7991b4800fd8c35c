// The validated inputs of one run, as the input boundary (get-inputs.ts) hands them to the pipeline.
import type {
  AttestationType,
  PlatformSelection,
  FailOn,
  ImageRef,
  ImageSource,
  KeyInput,
  Scanner,
  Step,
  ToolVersionInput
} from '../types.js'

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
  /** Which platform images of an index are scanned (and so may be signed). */
  platforms: PlatformSelection
  /** What attest attaches to each scanned image digest; `sbom` also writes the SBOM files. */
  attestations: AttestationType[]
  imageSource: ImageSource
  trivy: ToolVersionInput
  cosign: ToolVersionInput
  /** No trailing slash. */
  downloadBaseUrl: string
  /** Absolute path of a Sigstore trusted_root.json (workspace or RUNNER_TEMP); else TUF's. */
  sigstoreTrustedRoot?: string
  /** Empty means trivy's own default order. */
  trivyDbRepositories: string[]
  cacheDb: boolean
  /** The oldest vulnerability database the gate accepts (`db-max-age`), as given and in ms. */
  dbMaxAge: { text: string; ms: number }
  cosignKey?: KeyInput
  cosignPassword?: string
  /** `uri` kind also carries https:// URLs. */
  cosignPublicKey?: KeyInput
  certificateIdentity?: string
  certificateIdentityRegexp?: string
  certificateOidcIssuer: string
  /** The attestations `verify` requires on each image digest (empty: the signature only). */
  verifyAttestations: AttestationType[]
  /** The oldest vuln attestation `verify` accepts (`max-scan-age`), as given and in ms; none: no limit. */
  maxScanAge?: { text: string; ms: number }
  /** The image whose verified vuln attestation lists the findings the gate excuses. */
  baselineImage?: ImageRef
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
  /** Keep one comment per image (per SARIF category) up to date on the pull request. */
  comment: boolean
  /** Absolute path inside the workspace. */
  dockerfile?: string
  githubToken: string
  /** GITHUB_WORKSPACE, or the current directory outside a runner. */
  workspace: string
}
