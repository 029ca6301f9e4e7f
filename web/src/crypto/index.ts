/**
 * The crypto core of the web app: every format the CLI reads and writes,
 * made and checked in the browser (in the key worker) with WebCrypto and
 * `age-encryption`. One concept per module; README.md in this folder says
 * which Rust file each mirrors.
 */
export * from "./age-keys.js";
export * from "./enrol.js";
export * from "./envelope.js";
export * from "./fingerprint.js";
export * from "./grant.js";
export * from "./household.js";
export * from "./identity.js";
export * from "./ids.js";
export * from "./jws.js";
export * from "./keystore.js";
export * from "./login.js";
export * from "./recovery.js";
export * from "./scope.js";
export * from "./seal.js";
export * from "./version.js";
