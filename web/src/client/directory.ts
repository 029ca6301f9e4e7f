/**
 * The key directory on the device (mirrors `vault/src/client/directory.rs`):
 * before this device relies on someone's keys for the first time, it checks
 * that the access log registers exactly those keys for that person.
 *
 * The server sends the registering log entry with an inclusion proof
 * against a signed checkpoint, and a consistency proof from the checkpoint
 * this device pinned last. The device checks the checkpoint's signature
 * with the log key it pinned (at first use), that the log only grew since
 * its pin, that the leaf is in the tree, and that the leaf registers these
 * keys for this person in this role; then it pins the newer checkpoint.
 */
import { ApiError } from "../api/http";
import { decodeB64 } from "../crypto/bytes";
import { consistentWithPinned, LogVerifier, type Checkpoint } from "./checkpoint";
import type { Client } from "./client";
import { untrusted } from "./error";
import { enc } from "./http";
import { decodeEntry, registers } from "./log_entry";
import { leafHash, verifyInclusion } from "./merkle";
import type { TrustedKeys } from "./trust";
import type { KeyProof, LogKey } from "./wire";

/** The log key and last checkpoint this device pinned (the CLI's `AuditState`). */
export interface LogPin {
  verifier_key: string;
  checkpoint: string | null;
}

const LOG_PIN = "log";

function notListed(keys: TrustedKeys, why: string) {
  return untrusted(
    `the keys the server gives for ${keys.name} (${keys.id}) are not the ones in the key directory (${why}): refusing to use them`,
  );
}

function hashes(texts: string[]): Uint8Array[] {
  return texts.map((t) => {
    const h = decodeB64(t);
    if (h === null || h.length !== 32) throw untrusted("a proof hash is not 32 bytes of base64");
    return h;
  });
}

/** Refuse `keys` unless the key directory registers exactly them for that person. */
export function checkInDirectory(c: Client, keys: TrustedKeys): Promise<void> {
  return c.serial("log-pin", async () => {
    const pinned = await c.store.get<LogPin>(LOG_PIN);
    const verifierKey = pinned?.verifier_key ?? (await c.api.get<LogKey>("/v1/log/key")).verifier_key;
    let verifier: LogVerifier;
    try {
      verifier = await LogVerifier.parse(verifierKey);
    } catch (e) {
      throw untrusted(`the access log's key is not valid: ${(e as Error).message}`);
    }
    let old: Checkpoint | null = null;
    if (pinned?.checkpoint) {
      try {
        old = await verifier.open(pinned.checkpoint);
      } catch (e) {
        throw untrusted(`the checkpoint this device pinned does not open: ${(e as Error).message}`);
      }
    }
    const url = `/v1/directory/${enc(keys.id)}${old ? `?since=${old.size}` : ""}`;
    let proof: KeyProof;
    try {
      proof = await c.api.get<KeyProof>(url);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) throw notListed(keys, "the server has no key directory entry for them");
      // Offline, nothing new can be learnt: keys this device pinned earlier
      // (which it did only after this very check passed) are still theirs.
      const offline = e instanceof ApiError && (e.kind === "network" || e.kind === "not-kept");
      if (offline && (await c.pins.get(keys.id))?.fingerprint === keys.fingerprint) return;
      throw e;
    }
    let next: Checkpoint;
    try {
      next = await verifier.open(proof.checkpoint.checkpoint);
    } catch (e) {
      throw notListed(keys, `the log checkpoint does not carry the log's signature (${(e as Error).message})`);
    }
    if (old) {
      try {
        await consistentWithPinned(old, next, hashes(proof.consistency));
      } catch (e) {
        throw untrusted(
          `the access log the server shows now (size ${next.size}) is not a continuation of the one this device saw ` +
            `(size ${old.size}; ${(e as Error).message}): the log was changed, so no key from it is trusted ` +
            `(needed for ${keys.name} (${keys.id}))`,
        );
      }
    }
    const leaf = decodeB64(proof.leaf);
    if (leaf === null) throw untrusted("a leaf is not base64");
    if (!Number.isSafeInteger(proof.seq) || proof.seq < 0) throw notListed(keys, "the entry's number is not valid");
    const seq = BigInt(proof.seq);
    try {
      await verifyInclusion(seq, next.size, await leafHash(leaf), hashes(proof.inclusion), next.root);
    } catch {
      throw notListed(keys, "the entry the server shows is not in the log");
    }
    let registered = false;
    try {
      const entry = decodeEntry(leaf);
      registered = entry.seq === seq && (await registers(entry, keys.id, keys.role, keys.signingKey, keys.ageRecipient));
    } catch {
      throw notListed(keys, "the entry the server shows cannot be read");
    }
    if (!registered) throw notListed(keys, "the key directory registers other keys (or another role) for them");
    if (old === null || next.size > old.size) {
      await c.store.update<LogPin>(LOG_PIN, () => ({ verifier_key: verifierKey, checkpoint: proof.checkpoint.checkpoint }));
    }
  });
}
