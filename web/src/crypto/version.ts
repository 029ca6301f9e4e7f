/**
 * The signed statement behind every field version, as
 * `vault/src/wire/version.rs`: the writer signs (Ed25519) exactly which
 * version they wrote. The text, line by line:
 *
 * ```text
 * kluis-version/v1
 * household: h-…
 * path: financien/situatie
 * version: 3
 * key-gen: 1
 * ciphertext-sha256: <64 lowercase hex>
 * readers: household,p-…          (sorted, no repeats)
 * writer: p-…
 * grant: g-… | -
 * signer: p-…
 * private: yes | no
 * signed-at-ms: 1700000000000
 * ```
 *
 * each line ending in `\n`. `parseVersionStatement` accepts only the exact
 * text `versionText` makes, as the Rust parser does. Numbers are JS numbers:
 * a statement naming a number beyond 2^53 is refused here (it never occurs).
 */
import { b64url, decodeB64url, hex, own, utf8 } from "./bytes.js";
import { parseFieldPath, parseGrantId, parseHouseholdId, parsePrincipalId, isPrincipalId } from "./ids.js";
import { sign, verifySignature, type Identity } from "./identity.js";

const HEADER = "kluis-version/v1";
/** The reader name of the household's own envelope. */
export const HOUSEHOLD_READER = "household";

export interface VersionStatement {
  readonly household: string;
  readonly path: string;
  readonly version: number;
  readonly keyGen: number;
  /** Lowercase hex SHA-256 of the stored ciphertext (nonce, body, tag). */
  readonly ciphertextSha256: string;
  /** `household` and/or principal ids. */
  readonly readers: readonly string[];
  readonly writer: string;
  /** The grant that let a professional write; `null` for members and private observations. */
  readonly grant: string | null;
  /** Who signed: the writer, or for a re-key the member who re-keyed. */
  readonly signer: string;
  readonly private: boolean;
  readonly signedAtMs: number;
}

/** Readers as Rust's `BTreeSet<String>` orders them: byte order, no repeats. */
function readerSet(readers: readonly string[]): string[] {
  // All valid readers are ASCII, where UTF-16 order is byte order.
  return [...new Set(readers)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function whole(n: number, what: string): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} must be a whole number`);
  return String(n);
}

/** The exact text that is signed (`VersionStatement::text`). Checks every field. */
export function versionText(s: VersionStatement): string {
  parseHouseholdId(s.household);
  parseFieldPath(s.path);
  if (!/^[0-9a-f]{64}$/.test(s.ciphertextSha256)) throw new RangeError("ciphertextSha256 must be 64 lowercase hex digits");
  const readers = readerSet(s.readers);
  if (readers.length === 0) throw new RangeError("a version has at least one reader");
  for (const r of readers) if (r !== HOUSEHOLD_READER) parsePrincipalId(r);
  parsePrincipalId(s.writer);
  if (s.grant !== null) parseGrantId(s.grant);
  parsePrincipalId(s.signer);
  return (
    `${HEADER}\n` +
    `household: ${s.household}\n` +
    `path: ${s.path}\n` +
    `version: ${whole(s.version, "version")}\n` +
    `key-gen: ${whole(s.keyGen, "key generation")}\n` +
    `ciphertext-sha256: ${s.ciphertextSha256}\n` +
    `readers: ${readers.join(",")}\n` +
    `writer: ${s.writer}\n` +
    `grant: ${s.grant ?? "-"}\n` +
    `signer: ${s.signer}\n` +
    `private: ${s.private ? "yes" : "no"}\n` +
    `signed-at-ms: ${whole(s.signedAtMs, "signed-at-ms")}\n`
  );
}

/** Read a statement, accepting only the exact text `versionText` makes; `null` otherwise. */
export function parseVersionStatement(text: string): VersionStatement | null {
  const lines = text.split("\n");
  let at = 0;
  const next = (name: string): string | null => {
    const line = lines[at++];
    return line !== undefined && line.startsWith(`${name}: `) ? line.slice(name.length + 2) : null;
  };
  const int = (v: string | null): number | null => (v !== null && /^-?[0-9]+$/.test(v) ? Number(v) : null);
  try {
    if (lines[at++] !== HEADER) return null;
    const household = next("household");
    const path = next("path");
    const version = int(next("version"));
    const keyGen = int(next("key-gen"));
    const ciphertextSha256 = next("ciphertext-sha256");
    const readers = next("readers")?.split(",") ?? null;
    const writer = next("writer");
    const grant = next("grant");
    const signer = next("signer");
    const privateText = next("private");
    const signedAtMs = int(next("signed-at-ms"));
    if (
      household === null || path === null || version === null || keyGen === null ||
      ciphertextSha256 === null || readers === null || writer === null || grant === null ||
      signer === null || signedAtMs === null || (privateText !== "yes" && privateText !== "no")
    ) {
      return null;
    }
    if (!readers.every((r) => r === HOUSEHOLD_READER || isPrincipalId(r))) return null;
    const parsed: VersionStatement = {
      household: parseHouseholdId(household),
      path: parseFieldPath(path),
      version,
      keyGen,
      ciphertextSha256,
      readers: readerSet(readers),
      writer: parsePrincipalId(writer),
      grant: grant === "-" ? null : parseGrantId(grant),
      signer: parsePrincipalId(signer),
      private: privateText === "yes",
      signedAtMs,
    };
    // Canonical: nothing after the last line, no other spelling.
    return versionText(parsed) === text ? parsed : null;
  } catch {
    return null;
  }
}

/** The hash a version statement names: lowercase hex SHA-256 of the ciphertext. */
export async function ciphertextSha256(ciphertext: Uint8Array): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", own(ciphertext))));
}

/** A statement's text and the writer's signature (base64url), as `VersionSignature` sends it. */
export interface SignedVersion {
  readonly statement: string;
  readonly signature: string;
}

/** Sign a version statement with the writer's (or re-keying member's) key. */
export async function signVersion(identity: Identity, statement: VersionStatement): Promise<SignedVersion> {
  const text = versionText(statement);
  return { statement: text, signature: b64url(await sign(identity, utf8(text))) };
}

/**
 * Check a served version proof: the signature by `signerKey` (a key the
 * device checked itself) over exactly `statement`, which must parse. Returns
 * the statement; whether the signer was entitled to write is for the caller.
 */
export async function verifyVersion(
  proof: SignedVersion,
  signerKey: Uint8Array,
): Promise<VersionStatement | null> {
  const parsed = parseVersionStatement(proof.statement);
  const signature = decodeB64url(proof.signature);
  if (parsed === null || signature === null) return null;
  return (await verifySignature(signerKey, utf8(proof.statement), signature)) ? parsed : null;
}
