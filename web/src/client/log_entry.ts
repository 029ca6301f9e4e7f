/**
 * The access log's entries, read as `audit/src/entry.rs` decodes them
 * (strictly: one encoding per entry, nothing trailing), and the key
 * directory's commitment and check (`audit/src/directory.rs`). The device
 * needs only what a `principal.keys` entry says, but reads every field so
 * that bytes the Rust decoder refuses are refused here too; the one
 * leniency, an event code this file does not list, never matters, as only
 * `principal.keys` registers anything.
 */
import { concat, fromUtf8, hex, own, utf8 } from "../crypto/bytes";

const VERSION = 1;
const MAX_STR = 1024;
const MAX_FIELDS = 64;
const ACTIONS = ["C", "R", "U", "D", "E"];
const OUTCOMES = ["allowed", "denied", "error"];

/** The parts of an entry the key directory check reads. */
export interface Entry {
  readonly seq: bigint;
  readonly event: string;
  readonly action: string;
  readonly outcome: string;
  readonly actor: string | null;
  readonly actorRole: string | null;
  readonly household: string | null;
  readonly fields: readonly string[];
}

export class EntryError extends Error {
  override readonly name = "EntryError";
}

class Reader {
  at = 0;
  constructor(private readonly bytes: Uint8Array) {}

  take(n: number): Uint8Array {
    if (this.bytes.length - this.at < n) throw new EntryError("the entry ends early");
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  u8(): number {
    return this.take(1)[0]!;
  }

  u16(): number {
    const b = this.take(2);
    return (b[0]! << 8) | b[1]!;
  }

  u64(): bigint {
    const b = this.take(8);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0);
  }

  str(): string {
    const len = this.u16();
    if (len > MAX_STR) throw new EntryError("a text value is too long");
    const s = fromUtf8(this.take(len));
    if (s === null) throw new EntryError("a text value is not valid UTF-8");
    if (/[\u0000-\u001f\u007f-\u009f]/.test(s)) throw new EntryError("a text value contains a control character");
    return s;
  }

  opt(): string | null {
    const tag = this.u8();
    if (tag === 0) return null;
    if (tag === 1) return this.str();
    throw new EntryError(`invalid presence tag ${tag}`);
  }
}

/** Decode leaf bytes strictly (`Entry::decode`). */
export function decodeEntry(bytes: Uint8Array): Entry {
  const r = new Reader(bytes);
  if (r.u8() !== VERSION) throw new EntryError("unsupported entry version");
  const seq = r.u64();
  r.take(8); // time_ms
  const event = r.str();
  const action = String.fromCharCode(r.u8());
  if (!ACTIONS.includes(action)) throw new EntryError("unknown action code");
  const outcome = r.str();
  if (!OUTCOMES.includes(outcome)) throw new EntryError("unknown outcome code");
  if ((r.u8() & 0xf0) !== 0) throw new EntryError("reserved flag bits are set");
  const actor = r.opt();
  const actorRole = r.opt();
  r.opt(); // actor_org
  r.opt(); // on_behalf_of
  const household = r.opt();
  const n = r.u16();
  if (n > MAX_FIELDS) throw new EntryError("more than 64 field paths");
  const fields: string[] = [];
  for (let i = 0; i < n; i++) fields.push(r.str());
  r.opt(); // basis
  r.opt(); // purpose
  r.str(); // request_id
  r.str(); // instance
  r.opt(); // reason
  const tag = r.u8();
  if (tag === 1) r.take(32);
  else if (tag !== 0) throw new EntryError(`invalid presence tag ${tag}`);
  if (r.at !== bytes.length) throw new EntryError("bytes follow the end of the entry");
  return { seq, event, action, outcome, actor, actorRole, household, fields };
}

/** `keys:` + hex SHA-256("kluis-keys/v1\n" || signing key || age recipient) (`key_commitment`). */
export async function keyCommitment(signingKey: Uint8Array, ageRecipient: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", own(concat(utf8("kluis-keys/v1\n"), signingKey, utf8(ageRecipient))));
  return `keys:${hex(new Uint8Array(digest))}`;
}

/** Whether `entry` registers exactly these keys for `principal` in `role` (`directory::registers`). */
export async function registers(
  entry: Entry,
  principal: string,
  role: string,
  signingKey: Uint8Array,
  ageRecipient: string,
): Promise<boolean> {
  return (
    entry.event === "principal.keys" &&
    entry.outcome === "allowed" &&
    entry.actor === principal &&
    entry.actorRole === role &&
    entry.household === null &&
    entry.fields.length === 1 &&
    entry.fields[0] === (await keyCommitment(signingKey, ageRecipient))
  );
}
