/**
 * The auditor's check of the whole access log, on this device, as
 * `kluis audit verify` makes it (`vault/src/client/audit.rs` and
 * `audit/src/verify.rs`):
 *
 * 1. the log key is pinned at first use (in this browser's device store,
 *    the same pin the key directory uses); a different key is refused;
 * 2. a fresh checkpoint must carry that key's signature;
 * 3. it must extend the checkpoint this browser kept from its last check
 *    (an RFC 9162 consistency proof): a shorter log is a rollback, another
 *    history a fork;
 * 4. every leaf up to the checkpoint's size is replayed: complete and in
 *    order, decodable, at the position it claims, allowed reads with a
 *    basis and on grants in force, and the leaves hash to the signed root;
 * 5. the columns the server keeps beside each leaf must say what the leaf
 *    says, or an entry could be hidden from a household's view.
 *
 * The first problem found is reported with the same words as the CLI
 * (`AuditProblem.message`) and a code with numbers for the page's own
 * words. Only a log that passes moves the kept checkpoint forward.
 */
import { b64, decodeB64 } from "../crypto/bytes";
import { LogVerifier, type Checkpoint } from "./checkpoint";
import type { Client } from "./client";
import type { LogPin } from "./directory";
import { Frontier } from "./frontier";
import { decodeEntry, subject, type Entry } from "./log_entry";
import { emptyRoot, leafHash, verifyConsistency, type Hash } from "./merkle";
import type { LogKey, SignedCheckpoint } from "./wire";
import { equalBytes } from "../crypto/bytes";

const LOG_PIN = "log";
/** Leaves per request, as the CLI asks (the server's maximum). */
const PAGE = 1000n;
const MEMBERSHIP_BASIS = "membership";
const AUTHOR_BASIS = "author";
const GRANT_WINDOW_PREFIX = "valid-ms:";

/** The first thing wrong: `code` for the page's words, `message` in the CLI's. */
export class AuditProblem extends Error {
  override readonly name = "AuditProblem";
  constructor(
    readonly code: string,
    message: string,
    readonly detail: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** What a check that passed saw. */
export interface Verified {
  size: number;
  root: string;
  /** The size of the checkpoint this browser kept before, if any. */
  previous_size: number | null;
  /** Whether this check pinned the log key (the first in this browser). */
  pinned_now: boolean;
  allowed_reads: number;
  denied: number;
  errors: number;
  /** The time of the last entry checked (RFC 3339), if the log is not empty. */
  last_entry_time: string | null;
  checkpoint: string;
}

interface LeafRow {
  seq: number;
  leaf: string;
  household_id: string | null;
  subject_id?: string | null;
  time_ms: number;
}

const problem = (code: string, message: string, detail: Record<string, string | bigint | number>) =>
  new AuditProblem(code, message, Object.fromEntries(Object.entries(detail).map(([k, v]) => [k, String(v)])));

/** Rust's `{:?}` of an `Option<String>`. */
const opt = (s: string | null | undefined) => (s === null || s === undefined ? "None" : `Some(${JSON.stringify(s)})`);

/** `grant_window`: `valid-ms:FROM..UNTIL` in a `grant.create` entry's reason. */
export function grantWindow(reason: string | null): [bigint, bigint] | null {
  if (!reason?.startsWith(GRANT_WINDOW_PREFIX)) return null;
  const parts = reason.slice(GRANT_WINDOW_PREFIX.length).split("..");
  if (parts.length < 2) return null;
  const [from, ...rest] = parts;
  const until = rest.join("..");
  const int = (t: string) => (/^[+-]?[0-9]+$/.test(t) ? BigInt(t) : null);
  const a = int(from!);
  const b = int(until);
  const fits = (n: bigint) => n >= -(2n ** 63n) && n < 2n ** 63n;
  return a !== null && b !== null && fits(a) && fits(b) ? [a, b] : null;
}

/** The logging rules and the grants in force, entry by entry (`check_rules`, `Grants`). */
class Rules {
  allowedReads = 0;
  denied = 0;
  errors = 0;
  private readonly grants = new Map<string, [bigint, bigint] | null>();

  check(e: Entry): void {
    if (e.outcome === "allowed") {
      if (e.event === "field.read") {
        if (!e.basis) {
          throw problem("read-without-basis", `entry ${e.seq} is an allowed read without a basis (no membership or grant)`, { seq: e.seq });
        }
        this.allowedReads += 1;
      }
    } else if (e.outcome === "denied") this.denied += 1;
    else this.errors += 1;
    this.checkGrant(e);
  }

  private checkGrant(e: Entry): void {
    if (e.outcome !== "allowed" || e.household === null || e.basis === null) return;
    const key = `${e.household}\u0000${e.basis}`;
    if (e.event === "grant.create") this.grants.set(key, grantWindow(e.reason));
    else if (e.event === "grant.revoke") this.grants.delete(key);
    else if (e.event === "field.read" && e.basis !== MEMBERSHIP_BASIS && e.basis !== AUTHOR_BASIS) {
      const window = this.grants.get(key);
      const live = window === undefined ? false : window === null ? true : window[0] <= e.timeMs && e.timeMs < window[1];
      if (!live) {
        throw problem(
          "grant-not-live",
          `entry ${e.seq} is an allowed read on grant ${JSON.stringify(e.basis)}, which was not in force for that household at that moment`,
          { seq: e.seq, grant: e.basis },
        );
      }
    }
  }
}

/** `check_side_columns`: the row's columns say what its leaf says. */
function sideColumns(row: LeafRow, e: Entry): AuditProblem | null {
  if (e.household !== (row.household_id ?? null) || e.timeMs !== BigInt(row.time_ms)) {
    return problem(
      "columns",
      `log entry ${row.seq}: the row's household or time column (${opt(row.household_id)}, ${row.time_ms}) differs from what the entry says (${opt(e.household)}, ${e.timeMs}): ` +
        "an entry may have been hidden from a household's view",
      { seq: row.seq },
    );
  }
  if (subject(e) !== (row.subject_id ?? null)) {
    return problem(
      "columns",
      `log entry ${row.seq}: the row's subject column (${opt(row.subject_id)}) differs from the person the entry is about (${opt(subject(e))}): ` +
        "an account event may have been hidden from a household's view",
      { seq: row.seq },
    );
  }
  return null;
}

function hashes(texts: string[]): Hash[] {
  return texts.map((t) => {
    const h = decodeB64(t);
    if (h === null || h.length !== 32) throw new AuditProblem("bad-response", "a proof hash is not 32 bytes");
    return h;
  });
}

async function openCheckpoint(verifier: LogVerifier, note: string, what: "served" | "kept"): Promise<Checkpoint> {
  try {
    return await verifier.open(note);
  } catch (e) {
    const reason = (e as Error).message;
    if (what === "kept") {
      throw problem("state", `the audit state in this browser: the kept checkpoint is not valid (${reason})`, { reason });
    }
    throw problem("checkpoint", `the checkpoint is not valid: ${reason}`, { reason });
  }
}

/** `verify_consistency_with_pinned`, with the CLI's words. */
async function consistentWithKept(c: Client, old: Checkpoint, next: Checkpoint): Promise<void> {
  if (old.origin !== next.origin) {
    throw problem("other-log", `the checkpoint is for log ${JSON.stringify(next.origin)}, not the pinned log ${JSON.stringify(old.origin)}`, {
      pinned: old.origin,
      found: next.origin,
    });
  }
  const detail = { old: old.size, new: next.size };
  if (next.size < old.size) {
    throw problem(
      "rollback",
      `rollback: the log now has ${next.size} entries, fewer than the ${old.size} in the checkpoint you pinned; it was probably restored from an older copy`,
      detail,
    );
  }
  const fork = problem(
    "fork",
    `fork: the log now has a different history for its first ${old.size} entries than the checkpoint you pinned; entries were changed or removed`,
    detail,
  );
  if (old.size === 0n) {
    if (equalBytes(old.root, await emptyRoot())) return;
    throw fork;
  }
  const proof = await c.api.get<{ proof: string[] }>(`/v1/log/consistency?old=${old.size}&new=${next.size}`);
  try {
    await verifyConsistency(old.size, next.size, old.root, next.root, hashes(proof.proof));
  } catch {
    throw fork;
  }
}

/** Replay the first `cp.size` leaves against `cp` (`verify_log_with` and the CLI's fetcher). */
async function replay(
  c: Client,
  cp: Checkpoint,
  progress: (done: number, total: number) => void,
): Promise<{ rules: Rules; lastTime: bigint | null }> {
  const rules = new Rules();
  const frontier = new Frontier();
  const total = Number(cp.size);
  let columnsWrong: AuditProblem | null = null;
  let expected = 0n;
  let lastTime: bigint | null = null;
  progress(0, total);
  while (expected < cp.size) {
    const want = cp.size - expected < PAGE ? cp.size - expected : PAGE;
    const page = await c.api.get<{ leaves: LeafRow[]; next?: number | null }>(`/v1/log/entries?from=${expected}&limit=${want}`);
    if (page.leaves.length === 0) break;
    const bytes = page.leaves.map((l) => {
      const b = decodeB64(l.leaf);
      if (b === null) throw new AuditProblem("bad-response", "a leaf is not base64");
      return b;
    });
    // WebCrypto hashes the page's leaves in parallel; the replay is in order.
    const leafHashes = await Promise.all(bytes.map((b) => leafHash(b)));
    for (const [i, row] of page.leaves.entries()) {
      if (expected >= cp.size) break;
      const seq = BigInt(row.seq);
      if (seq !== expected) {
        if (expected === 0n) {
          throw problem("missing-start", `entry ${expected} is missing (the log starts at ${seq})`, { expected, found: seq });
        }
        if (seq > expected) {
          throw problem("missing", `entry ${expected} is missing (sequence jumps from ${expected - 1n} to ${seq})`, {
            expected,
            previous: expected - 1n,
            found: seq,
          });
        }
        throw problem("out-of-order", `entry ${seq} appears again or out of order after entry ${expected - 1n}`, {
          previous: expected - 1n,
          found: seq,
        });
      }
      let entry: Entry;
      try {
        entry = decodeEntry(bytes[i]!);
      } catch (e) {
        const reason = (e as Error).message;
        throw problem("unreadable", `entry ${seq} cannot be read: ${reason}`, { seq, reason });
      }
      columnsWrong ??= sideColumns(row, entry);
      if (entry.seq !== seq) {
        throw problem("wrong-position", `the entry stored as ${seq} says it is entry ${entry.seq}: entries were moved or copied`, {
          position: seq,
          claimed: entry.seq,
        });
      }
      rules.check(entry);
      await frontier.append(leafHashes[i]!);
      lastTime = entry.timeMs;
      expected += 1n;
    }
    progress(Number(expected), total);
    if (page.next === undefined || page.next === null) break;
  }
  if (expected < cp.size) {
    throw problem("too-few", `the log has only ${expected} entries but the signed checkpoint covers ${cp.size}: entries were removed`, {
      found: expected,
      signed: cp.size,
    });
  }
  if (!equalBytes(await frontier.root(), cp.root)) {
    throw problem("root-mismatch", `the recomputed root for ${cp.size} entries differs from the signed checkpoint: the log was altered`, {
      size: cp.size,
    });
  }
  if (columnsWrong) throw columnsWrong;
  return { rules, lastTime };
}

/** Check the whole log as `kluis audit verify` does; see the module docs. */
export async function verifyLog(c: Client, progress: (done: number, total: number) => void): Promise<Verified> {
  const served = (await c.api.get<LogKey>("/v1/log/key")).verifier_key;
  // Trust on first use: pin the key now, even if the log then fails, so a
  // later check cannot be fooled by a new key.
  let pinnedNow = false;
  let kept: LogPin | undefined;
  await c.serial("log-pin", async () => {
    kept = await c.store.get<LogPin>(LOG_PIN);
    if (!kept) {
      kept = { verifier_key: served, checkpoint: null };
      await c.store.update<LogPin>(LOG_PIN, (old) => old ?? kept);
      pinnedNow = true;
    }
  });
  const pin = kept!;
  if (pin.verifier_key !== served) {
    throw problem(
      "key-changed",
      `the server's log key is ${served}, but you pinned ${pin.verifier_key} (in this browser): this is not the log you checked before`,
      { served, pinned: pin.verifier_key },
    );
  }
  let verifier: LogVerifier;
  try {
    verifier = await LogVerifier.parse(pin.verifier_key);
  } catch (e) {
    throw problem("checkpoint", `the checkpoint is not valid: ${(e as Error).message}`, { reason: (e as Error).message });
  }
  const note = (await c.api.get<SignedCheckpoint>("/v1/log/checkpoint")).checkpoint;
  const next = await openCheckpoint(verifier, note, "served");
  const old = pin.checkpoint ? await openCheckpoint(verifier, pin.checkpoint, "kept") : null;
  if (old) await consistentWithKept(c, old, next);

  const { rules, lastTime } = await replay(c, next, progress);

  // Keep the newer checkpoint, unless another check in this browser (the
  // key directory's) meanwhile kept an even newer one.
  await c.serial("log-pin", async () => {
    const now = await c.store.get<LogPin>(LOG_PIN);
    let newer = true;
    if (now?.checkpoint) {
      try {
        newer = (await verifier.open(now.checkpoint)).size < next.size;
      } catch {
        newer = true;
      }
    }
    if (newer) await c.store.update<LogPin>(LOG_PIN, () => ({ verifier_key: pin.verifier_key, checkpoint: note }));
  });
  return {
    size: Number(next.size),
    root: b64(next.root),
    previous_size: old ? Number(old.size) : null,
    pinned_now: pinnedNow,
    allowed_reads: rules.allowedReads,
    denied: rules.denied,
    errors: rules.errors,
    last_entry_time: lastTime === null ? null : new Date(Number(lastTime)).toISOString(),
    checkpoint: note,
  };
}
