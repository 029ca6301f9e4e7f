/**
 * Signed statements as JWS compact serializations (RFC 7515), EdDSA with
 * Ed25519 (RFC 8037), as `policy/src/jws.rs` makes and checks them.
 *
 * The protected header is exactly
 * `{"alg":"EdDSA","typ":"<typ>","kid":"<issuer id>","jwk":{"kty":"OKP","crv":"Ed25519","x":"<key>"}}`.
 * Checking is as strict as the Rust side's, in the same order, with the
 * same error kinds: at most 16 KiB, three canonical unpadded base64url parts,
 * the header's fields exactly those four (no repeats, no `crit`), `alg`
 * EdDSA only, the expected `typ`, an Ed25519 OKP key, a principal id as
 * `kid`, and the signature checked before the payload is even parsed.
 */
import { b64url, decodeB64url, fromUtf8, utf8 } from "./bytes.js";
import { isPrincipalId, parsePrincipalId } from "./ids.js";
import { sign, verifySignature, type Identity } from "./identity.js";
import { fields, parseJson, str } from "./strict-json.js";

export const MAX_JWS_BYTES = 16 * 1024;
export const GRANT_TYP = "kluis-grant+jwt";
export const REVOCATION_TYP = "kluis-revocation+jwt";

export type JwsErrorKind =
  | "TooLarge"
  | "NotCompact"
  | "BadBase64"
  | "BadHeader"
  | "UnsupportedAlgorithm"
  | "WrongType"
  | "BadKey"
  | "BadSignature"
  | "UnexpectedKey"
  | "KidMismatch"
  | "BadPayload"
  | "Invalid";

/** Why a JWS was refused (the Rust `JwsError`, kind for kind). */
export class JwsError extends Error {
  override readonly name = "JwsError";
  constructor(
    readonly kind: JwsErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** What `verifyCompact` hands on: the payload's bytes, the signer's key, the `kid`. */
export interface CheckedCompact {
  readonly payload: Uint8Array;
  readonly signerKey: Uint8Array;
  readonly kid: string;
}

/**
 * Sign `claims` (already serialized, in the Rust struct's field order) as a
 * JWS of type `typ` by `issuer`.
 */
export async function signCompact(typ: string, issuer: string, claims: string, identity: Identity): Promise<string> {
  parsePrincipalId(issuer);
  const header = JSON.stringify({
    alg: "EdDSA",
    typ,
    kid: issuer,
    jwk: { kty: "OKP", crv: "Ed25519", x: b64url(identity.signingPublicKey) },
  });
  const input = `${b64url(utf8(header))}.${b64url(utf8(claims))}`;
  const jws = `${input}.${b64url(await sign(identity, utf8(input)))}`;
  if (utf8(jws).length > MAX_JWS_BYTES) {
    throw new JwsError("TooLarge", `the signed statement is larger than ${MAX_JWS_BYTES} bytes`);
  }
  return jws;
}

function decodePart(part: string, name: string): Uint8Array {
  const bytes = decodeB64url(part);
  if (bytes === null) throw new JwsError("BadBase64", `the JWS ${name} is not unpadded base64url`);
  return bytes;
}

/** Check everything but the payload's content (`verify_compact`). */
export async function verifyCompact(
  jws: string,
  typ: string,
  expectedKey?: Uint8Array,
): Promise<CheckedCompact> {
  if (utf8(jws).length > MAX_JWS_BYTES) {
    throw new JwsError("TooLarge", `the signed statement is larger than ${MAX_JWS_BYTES} bytes`);
  }
  const parts = jws.split(".");
  if (parts.length !== 3) {
    throw new JwsError("NotCompact", "not a JWS compact serialization (three base64url parts joined by '.')");
  }
  const [headerB64, payloadB64, signatureB64] = parts as [string, string, string];
  const headerText = fromUtf8(decodePart(headerB64, "header"));
  let alg: string, hTyp: string, kid: string, kty: string, crv: string, x: string;
  try {
    if (headerText === null) throw new Error("the header is not UTF-8");
    const h = fields(parseJson(headerText), ["alg", "typ", "kid", "jwk"]);
    alg = str(h.alg, "alg");
    hTyp = str(h.typ, "typ");
    kid = str(h.kid, "kid");
    const k = fields(h.jwk, ["kty", "crv", "x"]);
    kty = str(k.kty, "kty");
    crv = str(k.crv, "crv");
    x = str(k.x, "x");
  } catch (e) {
    throw new JwsError("BadHeader", `the JWS header is not valid: ${(e as Error).message}`);
  }
  if (alg !== "EdDSA") {
    throw new JwsError("UnsupportedAlgorithm", `the JWS uses algorithm '${alg.slice(0, 40)}'; only EdDSA is accepted`);
  }
  if (hTyp !== typ) {
    throw new JwsError("WrongType", `the JWS is of type '${hTyp.slice(0, 40)}', expected '${typ}'`);
  }
  if (kty !== "OKP" || crv !== "Ed25519") {
    throw new JwsError("BadKey", "the JWS header key is not an Ed25519 OKP key");
  }
  const signerKey = decodePart(x, "key");
  if (signerKey.length !== 32) throw new JwsError("BadKey", "the JWS header key is not an Ed25519 OKP key");
  if (!isPrincipalId(kid)) throw new JwsError("BadHeader", `the JWS header is not valid: '${kid.slice(0, 80)}' is not a principal id`);
  const signature = decodePart(signatureB64, "signature");
  const payload = decodePart(payloadB64, "payload");
  const input = utf8(jws.slice(0, headerB64.length + 1 + payloadB64.length));
  if (!(await verifySignature(signerKey, input, signature))) {
    throw new JwsError("BadSignature", "the signature does not verify");
  }
  if (expectedKey !== undefined && b64url(expectedKey) !== b64url(signerKey)) {
    throw new JwsError(
      "UnexpectedKey",
      "the statement was signed with a different key than the one registered for its issuer",
    );
  }
  return { payload, signerKey, kid };
}
