/**
 * The JSON bodies the client reads from and sends to the server, with the
 * field names of `vault/src/wire/` (`plan.rs`, `consent.rs`,
 * `household.rs`, `directory.rs`, `log.rs`, `enrol.rs`, `version.rs`).
 * What the server answers is not trusted: every module that uses a value
 * checks it first.
 */
import type { PublicKeys } from "../crypto/identity";

export interface PrincipalInfo {
  principal_id: string;
  name: string;
  role: string;
  org: string | null;
  keys: PublicKeys;
  fingerprint: string;
}

export interface LogKey {
  verifier_key: string;
  origin: string;
}

export interface SignedCheckpoint {
  checkpoint: string;
  size: number;
  root: string;
}

export interface KeyProof {
  principal: PrincipalInfo;
  seq: number;
  leaf: string;
  checkpoint: SignedCheckpoint;
  inclusion: string[];
  consistency: string[];
}

export interface SignedStatement {
  signer: string;
  statement: string;
  signature: string;
}

export interface HouseholdInfo {
  household_id: string;
  recipient: string;
  created_at: string;
  members: { principal_id: string; added_at: string }[];
  identity_envelope: string | null;
  chain: { creation: SignedStatement; members: SignedStatement[] };
}

export interface MemberInfo {
  principal_id: string;
  added_at: string;
}

export interface Reader {
  principal_id: string;
  age_recipient: string;
  signing_key: string;
  grant_id: string;
  grant: string;
}

export interface WritePlan {
  path: string;
  current_version: number;
  household_recipient: string;
  readers: Reader[];
  writer_grant?: string | null;
}

export interface EnvelopeUpload {
  reader: string;
  envelope: string;
}

export interface VersionSignature {
  signed_at_ms: number;
  grant?: string;
  signature: string;
}

export interface VersionProof {
  statement: string;
  signature: string;
  writer_grant?: string | null;
}

export interface WriteField {
  replaces: number;
  ciphertext: string;
  envelopes: EnvelopeUpload[];
  signed: VersionSignature;
}

export interface Written {
  path: string;
  version: number;
}

export interface FieldValue {
  path: string;
  version: number;
  key_gen: number;
  ciphertext: string;
  reader: string;
  envelope: string;
  author_role: string;
  created_at: string;
  private: boolean;
  writer: string;
  proof: VersionProof | null;
}

export interface FieldSummary {
  path: string;
  version: number;
  size_bucket: number;
  author_role: string;
  created_at: string;
  private: boolean;
  writer: string;
  key_gen: number;
  proof: VersionProof | null;
}

export interface FieldList {
  fields: FieldSummary[];
}

export interface KeyForGrantee {
  path: string;
  version: number;
  key_gen: number;
  envelope: string;
}

export interface GrantInfo {
  grant_id: string;
  issuer: string;
  grantee: string;
  grantee_name: string | null;
  grantee_org: string | null;
  scope: string;
  actions: string[];
  purpose: string;
  valid_from: string;
  valid_until: string;
  status: string;
  revoked_at: string | null;
  jws: string;
  revocation_jws: string | null;
}

export interface StaleField {
  path: string;
  version: number;
  key_gen: number;
}

export interface Rekey {
  version: number;
  key_gen: number;
  ciphertext: string;
  envelopes: EnvelopeUpload[];
  signed: VersionSignature;
}

/** How keys were retired (`wire/rotation.rs`, `Retirement`). */
export type Retirement = "rotation" | "reenrolment";

/** Keys a person used before (`EarlierKey`). */
export interface EarlierKey {
  keys: PublicKeys;
  retired_at_ms: number;
  how: Retirement;
  statement: string | null;
  old_signature: string | null;
  new_signature: string | null;
}

/** `GET /v1/directory/{principal}/earlier`: oldest first (`EarlierKeys`). */
export interface EarlierKeys {
  principal_id: string;
  earlier: EarlierKey[];
}

/** The household identity enveloped to one of my keys (`HeldHousehold`). */
export interface HeldHousehold {
  household_id: string;
  /** An age file, standard base64. */
  envelope: string;
}

/** A field key enveloped to me (`HeldField`). */
export interface HeldField {
  household_id: string;
  path: string;
  version: number;
  key_gen: number;
  envelope: string;
}

/** `GET /v1/keys/held`: every envelope to my keys. */
export interface HeldEnvelopes {
  households: HeldHousehold[];
  fields: HeldField[];
}

/** The answer to `POST /v1/keys/rotate` (`Rotated`). */
export interface Rotated {
  principal_id: string;
  fingerprint: string;
  seq: number;
  rotated_at: string;
}
