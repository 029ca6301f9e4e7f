/**
 * Grant and revocation statements, as `policy/src/statement.rs` defines them
 * and `policy/src/jws.rs` signs them: what a household member signs to let a
 * professional read or write part of the plan, or to withdraw that.
 *
 * The claims are a JWT claims set, serialized in the Rust structs' field
 * order, so a grant signed here is byte for byte the JWS the CLI would sign
 * for the same statement with the same key (Ed25519 is deterministic):
 *
 * grant: `{"iss","sub","jti","iat","nbf","exp","kluis":"grant/1","household","grantee_fpr","scope","actions","purpose"}`
 * revocation: `{"iss","jti","iat","kluis":"revocation/1","grant","household"}`
 *
 * Times are whole seconds. A grant must end, may run at most five years (of
 * 366 days), may start later than it is signed but never earlier. Verifying
 * reads the claims as strictly as serde does (no unknown or repeated claims,
 * integers only) and applies the same checks, with the same error kinds.
 */
import { isWellFormedFingerprint } from "./fingerprint.js";
import { IdError, parseGrantId, parseHouseholdId, parsePrincipalId } from "./ids.js";
import type { Identity } from "./identity.js";
import { GRANT_TYP, JwsError, REVOCATION_TYP, signCompact, verifyCompact } from "./jws.js";
import { parseScope } from "./scope.js";
import { fields, I64_MAX, I64_MIN, integer, parseJson, str, strings, type Json } from "./strict-json.js";
import { fromUtf8 } from "./bytes.js";

export const GRANT_KIND = "grant/1";
export const REVOCATION_KIND = "revocation/1";
/** The longest a grant may run: five years of 366 days, in seconds. */
export const MAX_GRANT_SECS = 5 * 366 * 24 * 3600;
/** The latest time a statement may name: 9999-12-31T23:59:59Z. */
export const MAX_TIME_SECS = 253_402_300_799;

export const ACTIONS = ["read", "write", "coordinate"] as const;
export type Action = (typeof ACTIONS)[number];
export const PURPOSES = ["wmo", "jeugd", "participatie", "schuldhulp", "zorg", "veiligheid", "onderzoek"] as const;
export type Purpose = (typeof PURPOSES)[number];

/** A household member's consent (`GrantStatement`). */
export interface GrantStatement {
  /** `jti` */
  readonly id: string;
  /** `iss`: the member who signs. */
  readonly issuer: string;
  /** `sub`: the professional. */
  readonly grantee: string;
  /** `grantee_fpr`: the fingerprint of the grantee's keys the member saw. */
  readonly granteeFingerprint: string;
  readonly household: string;
  /** Selectors (`financien/*`, `wonen/situatie`), in the household's order. */
  readonly scope: readonly string[];
  /** Non-empty, no repeats; `write` implies `read`. */
  readonly actions: readonly Action[];
  readonly purpose: Purpose;
  /** `iat`, seconds. */
  readonly issuedAt: number;
  /** `nbf`, seconds: the first second the grant is active. */
  readonly notBefore: number;
  /** `exp`, seconds: the first second it is no longer active. */
  readonly expires: number;
}

/** A household member's withdrawal of a grant (`RevocationStatement`). */
export interface RevocationStatement {
  /** `jti`: a fresh id, not the grant's. */
  readonly id: string;
  readonly issuer: string;
  /** The grant withdrawn. */
  readonly grant: string;
  readonly household: string;
  /** `iat`, seconds. */
  readonly issuedAt: number;
}

export type StatementErrorKind =
  | "WrongKind"
  | "TimeOutOfRange"
  | "StartsBeforeIssued"
  | "EndsBeforeStart"
  | "TooLong"
  | "SelfGrant"
  | "BadFingerprint"
  | "NoActions"
  | "DuplicateAction"
  | "RevocationReusesGrantId";

/** Why a statement makes no sense (the Rust `StatementError`). */
export class StatementError extends Error {
  override readonly name = "StatementError";
  constructor(
    readonly kind: StatementErrorKind,
    message: string,
  ) {
    super(message);
  }
}

function checkTime(t: number): void {
  if (!Number.isSafeInteger(t) || t < 0 || t > MAX_TIME_SECS) {
    throw new StatementError("TimeOutOfRange", "a time in the statement is before 1970 or after the year 9999");
  }
}

/** What no signature can check: that the grant makes sense (`GrantStatement::validate`). */
export function validateGrant(g: GrantStatement): void {
  for (const t of [g.issuedAt, g.notBefore, g.expires]) checkTime(t);
  if (g.notBefore < g.issuedAt) {
    throw new StatementError("StartsBeforeIssued", "the grant starts before it was signed; consent does not reach back in time");
  }
  if (g.expires <= g.notBefore) throw new StatementError("EndsBeforeStart", "the grant ends before or when it starts");
  if (g.expires - g.notBefore > MAX_GRANT_SECS) {
    throw new StatementError("TooLong", "the grant runs longer than five years; sign a new one when it ends");
  }
  if (g.issuer === g.grantee) throw new StatementError("SelfGrant", "a household member cannot grant access to themselves");
  if (!isWellFormedFingerprint(g.granteeFingerprint)) {
    throw new StatementError("BadFingerprint", "the grantee's key fingerprint is not eight groups of four hex digits");
  }
  if (g.actions.length === 0) throw new StatementError("NoActions", "a grant allows at least one action");
  g.actions.forEach((a, i) => {
    if (g.actions.indexOf(a) !== i) throw new StatementError("DuplicateAction", `action '${a}' appears twice in the grant`);
  });
}

/** `RevocationStatement::validate`. */
export function validateRevocation(r: RevocationStatement): void {
  checkTime(r.issuedAt);
  if (r.id === r.grant) {
    throw new StatementError("RevocationReusesGrantId", "a revocation cannot use the id of the grant it revokes");
  }
}

/** Where a grant stands at `nowSecs`: active from `notBefore` until `expires` (exclusive). */
export function grantValidityAt(g: GrantStatement, nowSecs: number): "NotYetValid" | "Active" | "Expired" {
  return nowSecs < g.notBefore ? "NotYetValid" : nowSecs >= g.expires ? "Expired" : "Active";
}

/** Whether the grant allows `action` (`write` implies `read`). */
export function grantAllows(g: GrantStatement, action: Action): boolean {
  return g.actions.some((a) => a === action || (a === "write" && action === "read"));
}

/** The payload exactly as serde writes `GrantClaims` (checks the typed fields). */
function grantClaims(g: GrantStatement): string {
  return JSON.stringify({
    iss: parsePrincipalId(g.issuer),
    sub: parsePrincipalId(g.grantee),
    jti: parseGrantId(g.id),
    iat: g.issuedAt,
    nbf: g.notBefore,
    exp: g.expires,
    kluis: GRANT_KIND,
    household: parseHouseholdId(g.household),
    grantee_fpr: g.granteeFingerprint,
    scope: parseScope(g.scope),
    actions: g.actions.map(parseAction),
    purpose: parsePurpose(g.purpose),
  });
}

function revocationClaims(r: RevocationStatement): string {
  return JSON.stringify({
    iss: parsePrincipalId(r.issuer),
    jti: parseGrantId(r.id),
    iat: r.issuedAt,
    kluis: REVOCATION_KIND,
    grant: parseGrantId(r.grant),
    household: parseHouseholdId(r.household),
  });
}

function parseAction(text: string): Action {
  if (!(ACTIONS as readonly string[]).includes(text)) {
    throw new IdError(`unknown action '${text.slice(0, 40)}'; valid actions are: ${ACTIONS.join(", ")}`);
  }
  return text as Action;
}

function parsePurpose(text: string): Purpose {
  if (!(PURPOSES as readonly string[]).includes(text)) {
    throw new IdError(`unknown purpose '${text.slice(0, 40)}'; valid purposes are: ${PURPOSES.join(", ")}`);
  }
  return text as Purpose;
}

/** Sign a grant; refuses one that does not validate (`sign_grant`). */
export async function signGrant(g: GrantStatement, identity: Identity): Promise<string> {
  validateGrant(g);
  return signCompact(GRANT_TYP, g.issuer, grantClaims(g), identity);
}

/** Sign a revocation (`sign_revocation`). */
export async function signRevocation(r: RevocationStatement, identity: Identity): Promise<string> {
  validateRevocation(r);
  return signCompact(REVOCATION_TYP, r.issuer, revocationClaims(r), identity);
}

/** A statement whose signature and content checked out, with its signer's key and the JWS as received. */
export interface Verified<S> {
  readonly statement: S;
  readonly signerKey: Uint8Array;
  readonly jws: string;
}

const SECONDS: [bigint, bigint] = [I64_MIN, I64_MAX];

/** Read the payload as serde reads the claims struct; `BadPayload` otherwise. */
function claims<K extends string, T>(payload: Uint8Array, names: readonly K[], read: (f: Record<K, Json>) => T): T {
  try {
    const text = fromUtf8(payload);
    if (text === null) throw new Error("the payload is not UTF-8");
    return read(fields(parseJson(text), names));
  } catch (e) {
    throw new JwsError("BadPayload", `the statement is not valid: ${(e as Error).message}`);
  }
}

function checked<T>(validate: () => T): T {
  try {
    return validate();
  } catch (e) {
    if (e instanceof StatementError) throw new JwsError("Invalid", `the statement is not valid: ${e.message}`);
    throw e;
  }
}

/**
 * Verify a grant receipt: signature, header and content (`verify_grant`).
 * With `expectedKey` (the issuer's registered key), also that it signed.
 * Does not check the time: see `grantValidityAt`.
 */
export async function verifyGrant(jws: string, expectedKey?: Uint8Array): Promise<Verified<GrantStatement>> {
  const { payload, signerKey, kid } = await verifyCompact(jws, GRANT_TYP, expectedKey);
  const names = ["iss", "sub", "jti", "iat", "nbf", "exp", "kluis", "household", "grantee_fpr", "scope", "actions", "purpose"] as const;
  const [kind, statement] = claims(payload, names, (c) => {
    const statement: GrantStatement = {
      issuer: parsePrincipalId(str(c.iss, "iss")),
      grantee: parsePrincipalId(str(c.sub, "sub")),
      id: parseGrantId(str(c.jti, "jti")),
      issuedAt: integer(c.iat, "iat", ...SECONDS),
      notBefore: integer(c.nbf, "nbf", ...SECONDS),
      expires: integer(c.exp, "exp", ...SECONDS),
      household: parseHouseholdId(str(c.household, "household")),
      granteeFingerprint: str(c.grantee_fpr, "grantee_fpr"),
      scope: parseScope(strings(c.scope, "scope")),
      actions: strings(c.actions, "actions").map(parseAction),
      purpose: parsePurpose(str(c.purpose, "purpose")),
    };
    return [str(c.kluis, "kluis"), statement] as const;
  });
  checked(() => {
    if (kind !== GRANT_KIND) {
      throw new StatementError("WrongKind", `statement kind is '${kind.slice(0, 40)}', expected '${GRANT_KIND}'`);
    }
    validateGrant(statement);
  });
  if (kid !== statement.issuer) throw new JwsError("KidMismatch", "the header 'kid' does not name the statement's issuer");
  return { statement, signerKey, jws };
}

/** Verify a revocation, like `verifyGrant` (`verify_revocation`). */
export async function verifyRevocation(jws: string, expectedKey?: Uint8Array): Promise<Verified<RevocationStatement>> {
  const { payload, signerKey, kid } = await verifyCompact(jws, REVOCATION_TYP, expectedKey);
  const names = ["iss", "jti", "iat", "kluis", "grant", "household"] as const;
  const [kind, statement] = claims(payload, names, (c) => {
    const statement: RevocationStatement = {
      issuer: parsePrincipalId(str(c.iss, "iss")),
      id: parseGrantId(str(c.jti, "jti")),
      issuedAt: integer(c.iat, "iat", ...SECONDS),
      grant: parseGrantId(str(c.grant, "grant")),
      household: parseHouseholdId(str(c.household, "household")),
    };
    return [str(c.kluis, "kluis"), statement] as const;
  });
  checked(() => {
    if (kind !== REVOCATION_KIND) {
      throw new StatementError("WrongKind", `statement kind is '${kind.slice(0, 40)}', expected '${REVOCATION_KIND}'`);
    }
    validateRevocation(statement);
  });
  if (kid !== statement.issuer) throw new JwsError("KidMismatch", "the header 'kid' does not name the statement's issuer");
  return { statement, signerKey, jws };
}

/** Whether `revocation` withdraws `grant`: same grant id and household. */
export function revokes(revocation: RevocationStatement, grant: GrantStatement): boolean {
  return revocation.grant === grant.id && revocation.household === grant.household;
}
