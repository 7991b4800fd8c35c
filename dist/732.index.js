export const id = 732;
export const ids = [732];
export const modules = {

/***/ 7732:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   PUBLIC_TUF_MIRROR: () => (/* binding */ PUBLIC_TUF_MIRROR),
/* harmony export */   TUF_TIMEOUT_MS: () => (/* binding */ TUF_TIMEOUT_MS),
/* harmony export */   loadTrust: () => (/* binding */ loadTrust),
/* harmony export */   parseTrustedRoot: () => (/* binding */ parseTrustedRoot),
/* harmony export */   readTrustedRoot: () => (/* binding */ readTrustedRoot),
/* harmony export */   shippedTrustedRoot: () => (/* binding */ shippedTrustedRoot),
/* harmony export */   verifyBundle: () => (/* binding */ verifyBundle)
/* harmony export */ });
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(33838);
/* harmony import */ var _sigstore_bundle__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(61040);
/* harmony import */ var _sigstore_protobuf_specs__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(19654);
/* harmony import */ var _sigstore_tuf_seeds_json__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(8032);
/* harmony import */ var _sigstore_verify__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(54187);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(51455);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(48161);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(76760);
// Sigstore verification of a release asset: the `<asset>.sigstore.json` bundle published beside it
// must be a valid signature over the asset's bytes, by the project's own release identity, under a
// trusted root. This is what makes an unpinned version trustworthy without a checksum from the user:
// a mirror or a compromised release page can rewrite a checksums file, not a Sigstore signature.
//
// The trusted root comes, in order: from the `sigstore-trusted-root` input (private Sigstore, or an
// air-gapped mirror); from Sigstore's TUF repository, when it answers within a bounded time; from the
// copy that @sigstore/tuf ships (signed by the same TUF root, only older), with a warning.








/** The public-good instance's TUF repository, the one @sigstore/tuf seeds. */
const PUBLIC_TUF_MIRROR = 'https://tuf-repo-cdn.sigstore.dev';
/** How long the TUF refresh may take before the shipped root is used instead (offline runners). */
const TUF_TIMEOUT_MS = 10_000;
/** The trusted root to verify bundles against (see the file comment for the order). */
async function loadTrust(source) {
    if (source.trustedRootPath) {
        const root = await readTrustedRoot(source.trustedRootPath);
        return { material: (0,_sigstore_verify__WEBPACK_IMPORTED_MODULE_4__/* .toTrustMaterial */ .jO)(root), origin: `the trusted root ${source.trustedRootPath}` };
    }
    const mirrorURL = source.tufMirrorUrl ?? PUBLIC_TUF_MIRROR;
    _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .info */ .pq(`Fetching Sigstore's trusted root from its TUF repository ${mirrorURL}`);
    try {
        const root = await withTimeout(fetchTrustedRoot(mirrorURL, source.tufTimeoutMs ?? TUF_TIMEOUT_MS), source.tufTimeoutMs ?? TUF_TIMEOUT_MS);
        return { material: (0,_sigstore_verify__WEBPACK_IMPORTED_MODULE_4__/* .toTrustMaterial */ .jO)(root), origin: `Sigstore's TUF repository ${mirrorURL}` };
    }
    catch (error) {
        _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .warning */ .$e(`Could not refresh Sigstore's trusted root from ${mirrorURL} (${messageOf(error)}); using the ` +
            'one shipped with this action. Give sigstore-trusted-root to use another.');
        return { material: (0,_sigstore_verify__WEBPACK_IMPORTED_MODULE_4__/* .toTrustMaterial */ .jO)(shippedTrustedRoot()), origin: 'the shipped trusted root' };
    }
}
async function readTrustedRoot(path) {
    return parseTrustedRoot(await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_5__.readFile)(path, 'utf8'), path);
}
/** A Sigstore `trusted_root.json`, or an error that says why the text is not one. */
function parseTrustedRoot(text, where) {
    let json;
    try {
        json = JSON.parse(text);
    }
    catch (error) {
        throw new Error(`${where} is not JSON: ${messageOf(error)}`, { cause: error });
    }
    const mediaType = json?.mediaType;
    if (typeof mediaType !== 'string' ||
        !mediaType.startsWith('application/vnd.dev.sigstore.trustedroot')) {
        throw new Error(`${where} is not a Sigstore trusted root (no trustedroot mediaType)`);
    }
    const root = _sigstore_protobuf_specs__WEBPACK_IMPORTED_MODULE_2__.TrustedRoot.fromJSON(json);
    if (root.certificateAuthorities.length === 0 || root.tlogs.length === 0) {
        throw new Error(`${where} names no certificate authority or no transparency log`);
    }
    return root;
}
async function fetchTrustedRoot(mirrorURL, timeoutMs) {
    // A private cache per run: nothing is read from or written to a folder another job controls.
    const cachePath = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_5__.mkdtemp)((0,node_path__WEBPACK_IMPORTED_MODULE_7__.join)(process.env['RUNNER_TEMP'] || (0,node_os__WEBPACK_IMPORTED_MODULE_6__.tmpdir)(), 'imgsec-tuf-'));
    // Loaded only here: the TUF client and its HTTP stack are large, and a given root needs neither.
    const { getTrustedRoot } = await __webpack_require__.e(/* import() */ 694).then(__webpack_require__.t.bind(__webpack_require__, 84423, 19));
    return getTrustedRoot({
        mirrorURL,
        cachePath,
        retry: false,
        timeout: timeoutMs,
        // Seeded from the root.json the library ships, also for a test mirror on loopback.
        rootPath: mirrorURL === PUBLIC_TUF_MIRROR ? undefined : await shippedTufRootFile(cachePath)
    });
}
function publicSeed() {
    const seed = _sigstore_tuf_seeds_json__WEBPACK_IMPORTED_MODULE_3__[PUBLIC_TUF_MIRROR];
    if (!seed)
        throw new Error('@sigstore/tuf ships no seed for the public-good instance');
    return seed;
}
/** The trusted root @sigstore/tuf ships for the public-good instance. */
function shippedTrustedRoot() {
    const target = publicSeed().targets['trusted_root.json'];
    if (!target)
        throw new Error('@sigstore/tuf ships no trusted_root.json');
    return parseTrustedRoot(Buffer.from(target, 'base64').toString('utf8'), 'the shipped trusted root');
}
/** The shipped TUF root.json as a file, for a mirror @sigstore/tuf has no seed for (tests). */
async function shippedTufRootFile(cachePath) {
    const path = (0,node_path__WEBPACK_IMPORTED_MODULE_7__.join)(cachePath, 'seed-root.json');
    await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_5__.writeFile)(path, Buffer.from(publicSeed()['root.json'], 'base64'));
    return path;
}
/**
 * Verifies `bundleText` as a signature over `artifact` by `signer`, and returns the SHA-256 (hex)
 * the bundle signs. Throws with the reason when the bundle is malformed, signed by someone else,
 * not logged, or not over these bytes.
 */
function verifyBundle(bundleText, artifact, signer, trust) {
    let bundle;
    try {
        bundle = (0,_sigstore_bundle__WEBPACK_IMPORTED_MODULE_1__/* .bundleFromJSON */ .vw)(JSON.parse(bundleText));
    }
    catch (error) {
        throw new Error(`it is not a Sigstore bundle (${messageOf(error)})`, { cause: error });
    }
    // trivy and cosign sign the asset itself (cosign sign-blob), not an attestation about it.
    if (!(0,_sigstore_bundle__WEBPACK_IMPORTED_MODULE_1__/* .isBundleWithMessageSignature */ .QU)(bundle)) {
        throw new Error('it holds no message signature over the asset');
    }
    const verifier = new _sigstore_verify__WEBPACK_IMPORTED_MODULE_4__/* .Verifier */ .BL(trust.material);
    try {
        // The library matches a string identity as an unanchored regular expression ("x" would match
        // any identity containing an x): give it an anchored, escaped one, and compare again below.
        const signed = verifier.verify((0,_sigstore_verify__WEBPACK_IMPORTED_MODULE_4__/* .toSignedEntity */ .DC)(bundle, artifact), {
            subjectAlternativeName: new RegExp(`^${escapeRegExp(signer.identity)}$`),
            extensions: { issuer: signer.issuer }
        });
        if (signed.identity?.subjectAlternativeName !== signer.identity) {
            throw new Error(`signed by ${signed.identity?.subjectAlternativeName ?? 'an unknown identity'}`);
        }
    }
    catch (error) {
        throw new Error(`${messageOf(error)} (expected a signature by ${signer.identity}, issuer ${signer.issuer}, ` +
            `under ${trust.origin})`, { cause: error });
    }
    const { messageDigest } = bundle.content.messageSignature;
    if (messageDigest.algorithm !== _sigstore_protobuf_specs__WEBPACK_IMPORTED_MODULE_2__.HashAlgorithm.SHA2_256) {
        throw new Error('its message digest is not a SHA-256');
    }
    return Buffer.from(messageDigest.digest).toString('hex');
}
function withTimeout(promise, ms) {
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
function messageOf(error) {
    return error instanceof Error ? error.message : String(error);
}


/***/ })

};
