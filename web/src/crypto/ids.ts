/**
 * Ids of principals, households and grants, and field paths: checked the
 * way `policy/src/ids.rs` and `policy/src/path.rs` parse them, because they
 * go into signed statements and associated data byte for byte.
 *
 * An id is a one-letter kind prefix, a dash and 32 lowercase hex digits
 * (`h-3f9c…`). A path is 1 to 3 segments of `a-z0-9-` joined by `/`, at most
 * 128 bytes. The branded string types say "this text was checked".
 */
import { fromHex } from "./bytes.js";

declare const brand: unique symbol;
type Branded<T extends string> = string & { readonly [brand]: T };

export type PrincipalId = Branded<"PrincipalId">;
export type HouseholdId = Branded<"HouseholdId">;
export type GrantId = Branded<"GrantId">;
export type FieldPath = Branded<"FieldPath">;

export const MAX_PATH_BYTES = 128;
export const MAX_SEGMENTS = 3;

/** Why a piece of text is not an id or path of the expected kind. */
export class IdError extends Error {
  override readonly name = "IdError";
}

function isId(prefix: string, text: string): boolean {
  return new RegExp(`^${prefix}-[0-9a-f]{32}$`).test(text);
}

function parser<T extends string>(prefix: string, kind: string): (text: string) => T {
  return (text) => {
    if (!isId(prefix, text)) {
      throw new IdError(
        `'${text.slice(0, 80)}' is not a valid ${kind} id (expected '${prefix}-' followed by 32 lowercase hex digits)`,
      );
    }
    return text as T;
  };
}

export const parsePrincipalId = parser<PrincipalId>("p", "principal");
export const parseHouseholdId = parser<HouseholdId>("h", "household");
export const parseGrantId = parser<GrantId>("g", "grant");

/** Whether `text` parses as a principal id. */
export function isPrincipalId(text: string): text is PrincipalId {
  return isId("p", text);
}

/** The 16 bytes behind an id (what the field AAD binds). */
export function idBytes(id: PrincipalId | HouseholdId | GrantId): Uint8Array {
  return fromHex(id.slice(2))!;
}

function randomId<T extends string>(prefix: string): T {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `${prefix}-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}` as T;
}

/** A fresh random household id (the creator's device picks it). */
export const newHouseholdId = (): HouseholdId => randomId("h");
/** A fresh random grant or revocation id (the signer's device picks it). */
export const newGrantId = (): GrantId => randomId("g");

/** Parse a field path, as `FieldPath::parse`. */
export function parseFieldPath(text: string): FieldPath {
  const fail = (why: string): never => {
    throw new IdError(`'${text.slice(0, 140)}' is not a field path: ${why}`);
  };
  if (text.length === 0) fail("a field path may not be empty");
  // Only ASCII passes the segment check below, so length is the byte count there.
  const segments = text.split("/");
  if (new TextEncoder().encode(text).length > MAX_PATH_BYTES) {
    fail(`a field path is at most ${MAX_PATH_BYTES} bytes`);
  }
  segments.forEach((segment, i) => {
    if (i >= MAX_SEGMENTS) fail(`a field path has 1 to ${MAX_SEGMENTS} segments joined by '/'`);
    if (segment.length === 0) fail("a field path segment may not be empty");
    if (!/^[a-z0-9-]+$/.test(segment)) fail("a field path segment uses only a-z, 0-9 and '-'");
  });
  return text as FieldPath;
}

/** The plan section of a path: its first segment. */
export function sectionOf(path: FieldPath): string {
  return path.split("/")[0]!;
}
