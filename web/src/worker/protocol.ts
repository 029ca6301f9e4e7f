// The messages between the page and the key worker. Only public values,
// plaintext the person asked to see or write, and signatures cross; keys
// (personal, household, field) stay in the worker. The client logic that
// needs keys (`client/`, the TypeScript counterpart of vault/src/client)
// runs in the worker; the page shows and asks.
//
// This file is the contract between the screens and the client: ops are
// added here first, then implemented in `worker/ops_*.ts`.

import type { Verified } from "../client/audit_verify";
import type { Case, CaseGrant } from "../client/caseload";

export type { Case, CaseGrant, Verified };

export interface PublicKeys {
  /** Ed25519 public key, unpadded base64url as the server's PublicKeys. */
  signing_key: string;
  /** age X25519 recipient, `age1…`. */
  age_recipient: string;
}

/** A person whose keys this device checked (pins + key directory). */
export interface Person {
  principal_id: string;
  name: string;
  role: string;
  org: string | null;
  fingerprint: string;
}

export interface Member {
  principal_id: string;
  name: string | null;
  added_at: string;
}

export interface FieldSummary {
  path: string;
  version: number;
  /** Padded size: the content is at most this long. */
  size_bucket: number;
  written_at: string;
  writer: string;
  writer_name: string | null;
  private: boolean;
  /** Whether this device checked the listed version's signature and writer
   *  ("signed"), it predates signed versions ("unsigned"), or the check
   *  failed ("untrusted": reading it will be refused). */
  authorship?: "signed" | "unsigned" | "untrusted";
}

export interface FieldVersion {
  path: string;
  version: number;
  /** The plaintext (UTF-8 for text fields). */
  value: Uint8Array;
  written_at: string;
  writer: string;
  writer_name: string | null;
  /** "signed": the writer's signature was checked on this device;
   *  "unsigned": a version from before kluis signed versions. */
  authorship: "signed" | "unsigned";
}

export interface GrantSummary {
  grant_id: string;
  grantee: string;
  grantee_name: string | null;
  grantee_org: string | null;
  scope: string;
  actions: string[];
  purpose: string;
  valid_from: string;
  valid_until: string;
  /** active, not-yet-valid, expired, revoked */
  status: string;
}

export interface WorkerOps {
  // --- keys (worker/main.ts) ---
  /** Make a new identity and its keystore (the CLI's format). */
  create: {
    args: { name: string; passphrase: string };
    result: {
      keystore: string;
      keys: PublicKeys;
      fingerprint: string;
      /** The new recovery code (shown to the person once) and the blob it opens, for the server. */
      recovery: { code: string; last_groups: string; lookup_id: string; blob: string };
    };
  };
  /** The lookup id of a recovery code as typed; refused ("recovery-code") when it has a typo. */
  recoveryLookup: { args: { code: string }; result: { lookup_id: string } };
  /** Open the server's recovery blob with the code and make a keystore with a new passphrase;
   *  keeps the keys in the worker. Refused ("recovery-blob") if the blob does not open. */
  recover: {
    args: { code: string; blob: string; passphrase: string };
    result: { keystore: string; name: string; keys: PublicKeys; fingerprint: string };
  };
  /** Before making a passkey: open the keystore with the passphrase (it must hold the keys signed
   *  in) and keep its secrets for `passkeySeal`; refused ("wrong-passphrase") before any passkey is made. */
  passkeyPrepare: { args: { keystore: string; passphrase: string }; result: Record<string, never> };
  /** Seal the prepared secrets with the key the new passkey's PRF output derives, then forget them. */
  passkeySeal: { args: { prf: Uint8Array }; result: { lookup_id: string; blob: string } };
  /** Forget the prepared secrets (no passkey was made). */
  passkeyCancel: { args: Record<string, never>; result: Record<string, never> };
  /** The lookup id a passkey's PRF output derives (what the server files its blob under). */
  passkeyLookup: { args: { prf: Uint8Array }; result: { lookup_id: string } };
  /** Open the server's blob with the PRF output; keeps the keys in the worker (no keystore is
   *  written). Refused ("passkey-blob") if it does not open: damaged, or not this passkey's. */
  passkeyUnlock: {
    args: { prf: Uint8Array; blob: string };
    result: { name: string; keys: PublicKeys; fingerprint: string };
  };
  /** Open a keystore; keeps the keys in the worker. */
  unlock: { args: { keystore: string; passphrase: string }; result: { name: string; keys: PublicKeys; fingerprint: string } };
  /** Rotation, step 1 (`ops_rotate.ts`): new keys for the person signed in, their keystore under
   *  the same passphrase (which must open `keystore`, the one signed in) and a new recovery code.
   *  Nothing is sent: the page stores the keystore as staged and has the code typed back first. */
  rotatePrepare: {
    args: { keystore: string; passphrase: string };
    result: { keystore: string; fingerprint: string; recovery: { code: string; last_groups: string } };
  };
  /** Rotation, step 2: every envelope to the old keys sealed again to the new ones, the statement
   *  signed by both (`client/rotation.ts`), sent. The worker then holds the new keys and no session:
   *  the server ended them all and forgot every passkey copy. Refused "rotation-refused" when it
   *  certainly did not take effect, "rotation-unsure" when that cannot be told now. */
  rotateSend: { args: Record<string, never>; result: { keys: PublicKeys; fingerprint: string } };
  /** Forget the prepared new keys (the person stopped, or the rotation was refused). */
  rotateCancel: { args: Record<string, never>; result: Record<string, never> };
  /** Sign bytes with the unlocked signing key (Ed25519). */
  sign: { args: { message: Uint8Array }; result: { signature: Uint8Array } };
  /** The signed-in session's bearer token and this server's origin, for the client ops. */
  setSession: { args: { token: string; principal_id: string; origin: string }; result: Record<string, never> };

  // --- households and the plan (worker/ops_plan.ts) ---
  /** Start a household (the device makes its identity and signs its creation). */
  createHousehold: { args: Record<string, never>; result: { household: string } };
  /** Members, after the device checked the household's signed chain. */
  household: { args: { household: string }; result: { household: string; created_at: string; members: Member[] } };
  /** Add a member; refused on the device unless their key fingerprint is `fingerprint` (when given). */
  addMember: { args: { household: string; principal_id: string; fingerprint?: string }; result: { member: Person } };
  /** Name a trusted contact: the household key is enveloped to their checked keys and the naming
   *  (with the waiting period) signed; refused on the device unless their fingerprint is `fingerprint`. */
  nameContact: {
    args: { household: string; principal_id: string; fingerprint?: string; wait_ms: number };
    result: { contact: Person };
  };
  /** The fields this person may see (no content). */
  listFields: { args: { household: string }; result: { fields: FieldSummary[] } };
  /** A field's value (latest, or `version`), checked and opened on the device. */
  readField: { args: { household: string; path: string; version?: number }; result: FieldVersion };
  /** Write a new version. `base` is the version the person edited (0 for a new field);
   *  if someone wrote in between, fails with kind "conflict" and `current` set. */
  writeField: { args: { household: string; path: string; value: Uint8Array; base: number }; result: { version: number } };
  /** Every version of a field, newest first, each checked (content included). */
  fieldHistory: { args: { household: string; path: string }; result: { versions: FieldVersion[] } };

  // --- consent (worker/ops_consent.ts) ---
  /** A person's checked keys and fingerprint, before sharing with them. */
  person: { args: { principal_id: string }; result: Person };
  /** Sign a grant and hand the covered fields' keys to the professional. */
  grant: {
    args: {
      household: string;
      grantee: string;
      /** The fingerprint the person confirmed; nothing is signed unless it matches. */
      fingerprint: string;
      /** Selectors: "section/*" or exact paths. */
      scope: string[];
      write: boolean;
      /** The casushouder: may close the household when support ends (policy `Action::Coordinate`). */
      coordinate: boolean;
      purpose: string;
      /** End of access, Unix ms (at most five years). */
      until_ms: number;
    };
    result: { grant: GrantSummary };
  };
  /** Someone's keys changed since this device pinned them: the new ones (only if the key
   *  directory registers them, else "untrusted") and the pinned key code, to compare. */
  newKeys: { args: { principal_id: string }; result: { person: Person; pinned: string | null } };
  /** Accept someone's new keys (`kluis keys trust`): pinned only if their key code is `fingerprint`. */
  trustKeys: { args: { principal_id: string; fingerprint: string }; result: Person };
  /** The household's grants with their status. */
  grants: { args: { household: string }; result: { grants: GrantSummary[] } };
  /** Withdraw a grant and re-key on this device what it covered. */
  revoke: { args: { household: string; grant_id: string }; result: { rekeyed: number } };

  // --- take your data (worker/ops_export.ts) ---
  /** Everything this member can read, as the CLI's export: an age file to their own key. */
  exportHousehold: {
    args: { household: string };
    result: { file: Uint8Array; fields: number; versions: number; grants: number; log_entries: number };
  };
  /** The age identity that opens the export (`kluis keys age-identity`): the passphrase
   *  is asked again, because this key opens every household the person belongs to. */
  ageIdentity: { args: { keystore: string; passphrase: string }; result: { identity: string } };

  // --- professionals (worker/ops_professional.ts) ---
  /** My caseload among the households the server lists for me (grants checked on the device). */
  caseload: { args: { households: string[] }; result: { cases: Case[] } };
  /** Record an observation, private (for me alone) or shared with the household. */
  observe: { args: { household: string; text: Uint8Array; private: boolean }; result: { path: string; version: number } };
  /** Share one of my private observations into the plan. */
  publish: { args: { household: string; path: string }; result: { path: string; version: number } };

  // --- the auditor (worker/ops_audit.ts) ---
  /** Check the whole access log as `kluis audit verify` does, reporting progress
   *  (`WorkerProgress`); a failure has kind "log-problem" and names the first problem. */
  verifyLog: { args: Record<string, never>; result: Verified };
}

export type WorkerRequest = {
  [K in keyof WorkerOps]: { id: number; op: K; args: WorkerOps[K]["args"] };
}[keyof WorkerOps];

/** An error from the worker: `kind` is stable (the screens turn it into words):
 *  "wrong-passphrase", "locked", "conflict" (with `current`), "fingerprint-mismatch",
 *  "keys-changed" (with `principal`: their keys differ from the pinned ones),
 *  "untrusted" (a check on the device failed), or a server problem kind. */
export interface WorkerError {
  kind: string;
  message: string;
  current?: number;
  principal?: string;
  /** For "log-problem": which problem (`code`) and its numbers, for the page's words. */
  detail?: Record<string, string>;
}

/** How far a long op is (sent before its reply; only `verifyLog` sends it). */
export interface WorkerProgress {
  id: number;
  progress: { done: number; total: number };
}

export type WorkerReply =
  | {
      id: number;
      ok: true;
      result: unknown;
      /** Set when answers kept on this device served the op (the server was out of
       *  reach): the oldest of their fetch times (RFC 3339). */
      offline?: string;
    }
  | { id: number; ok: false; error: WorkerError }
  | WorkerProgress;
