/**
 * The access log's entries, read as `audit/src/entry.rs` decodes them
 * (strictly: one encoding per entry, known codes only, nothing trailing),
 * with the same error messages, so that the browser's log verification
 * names a broken entry in the words `kluis audit verify` uses; and the key
 * directory's commitment and check (`audit/src/directory.rs`).
 */
import { concat, fromUtf8, hex, own, utf8 } from "../crypto/bytes";

const VERSION = 1;
const MAX_STR = 1024;
const MAX_FIELDS = 64;
const ACTIONS = ["C", "R", "U", "D", "E"];
const OUTCOMES = ["allowed", "denied", "error"];

/** Every event code (`EventType`), as hashed into the log. */
export const EVENTS = [
  "enrol",
  "login",
  "invite",
  "household.create",
  "household.member-add",
  "field.read",
  "field.write",
  "field.list",
  "grant.create",
  "grant.revoke",
  "observation.create",
  "observation.publish",
  "log.query",
  "log.checkpoint",
  "log.export",
  "export",
  "household.close",
  "household.reopen",
  "household.hold",
  "household.release",
  "destruction",
  "erasure",
  "principal.keys",
  "field.readers",
  "field.stale",
  "grant.list",
  "household.view",
  "retention.proposal",
  "principal.disable",
  "principal.enable",
  "principal.sign-out",
  "principal.recovery-set",
  "principal.recovery-use",
  "principal.passkey-add",
  "principal.passkey-remove",
  "principal.passkey-use",
  "contact.add",
  "contact.remove",
  "contact.request",
  "contact.refuse",
  "contact.release",
  "principal.rotate",
  "principal.reenrol",
  "household.member-readmit",
] as const;

/** Events about a person's account, whose subject is `fields[0]` (`EventType::ACCOUNT`). */
const ACCOUNT_EVENTS = [
  "principal.disable",
  "principal.enable",
  "principal.sign-out",
  "principal.recovery-set",
  "principal.recovery-use",
  "principal.passkey-add",
  "principal.passkey-remove",
  "principal.passkey-use",
  "principal.rotate",
  "principal.reenrol",
];

/** One decoded entry (`Entry`). */
export interface Entry {
  readonly seq: bigint;
  /** UTC Unix milliseconds. */
  readonly timeMs: bigint;
  readonly event: string;
  readonly action: string;
  readonly outcome: string;
  readonly actor: string | null;
  readonly actorRole: string | null;
  readonly actorOrg: string | null;
  readonly onBehalfOf: string | null;
  readonly household: string | null;
  readonly fields: readonly string[];
  readonly basis: string | null;
  readonly purpose: string | null;
  readonly reason: string | null;
}

export class EntryError extends Error {
  override readonly name = "EntryError";
}

/** Rust's `{:#04x}` of a byte. */
const byteHex = (b: number) => `0x${b.toString(16).padStart(2, "0")}`;
/** Rust's `{:?}` of a string (enough for the codes an entry holds). */
const debug = (s: string) => JSON.stringify(s);

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

  i64(): bigint {
    const b = this.take(8);
    return new DataView(b.buffer, b.byteOffset, 8).getBigInt64(0);
  }

  str(): string {
    const len = this.u16();
    if (len > MAX_STR) throw new EntryError(`a text value is longer than ${MAX_STR} bytes`);
    const s = fromUtf8(this.take(len));
    if (s === null) throw new EntryError("a text value is not valid UTF-8");
    if (/[\u0000-\u001f\u007f-\u009f]/.test(s)) throw new EntryError("a text value contains a control character");
    return s;
  }

  opt(): string | null {
    const tag = this.u8();
    if (tag === 0) return null;
    if (tag === 1) return this.str();
    throw new EntryError(`invalid presence tag ${byteHex(tag)}`);
  }
}

/** Decode leaf bytes strictly (`Entry::decode`). */
export function decodeEntry(bytes: Uint8Array): Entry {
  const r = new Reader(bytes);
  const version = r.u8();
  if (version !== VERSION) throw new EntryError(`unsupported entry version ${version}`);
  const seq = r.u64();
  const timeMs = r.i64();
  const event = r.str();
  if (!(EVENTS as readonly string[]).includes(event)) throw new EntryError(`unknown event code ${debug(event)}`);
  const a = r.u8();
  const action = String.fromCharCode(a);
  if (!ACTIONS.includes(action)) throw new EntryError(`unknown action code ${byteHex(a)}`);
  const outcome = r.str();
  if (!OUTCOMES.includes(outcome)) throw new EntryError(`unknown outcome code ${debug(outcome)}`);
  if ((r.u8() & 0xf0) !== 0) throw new EntryError("reserved flag bits are set");
  const actor = r.opt();
  const actorRole = r.opt();
  const actorOrg = r.opt();
  const onBehalfOf = r.opt();
  const household = r.opt();
  const n = r.u16();
  if (n > MAX_FIELDS) throw new EntryError(`more than ${MAX_FIELDS} field paths`);
  const fields: string[] = [];
  for (let i = 0; i < n; i++) fields.push(r.str());
  const basis = r.opt();
  const purpose = r.opt();
  r.str(); // request_id
  r.str(); // instance
  const reason = r.opt();
  const tag = r.u8();
  if (tag === 1) r.take(32);
  else if (tag !== 0) throw new EntryError(`invalid presence tag ${byteHex(tag)}`);
  if (r.at !== bytes.length) throw new EntryError(`${bytes.length - r.at} bytes follow the end of the entry`);
  return {
    seq,
    timeMs,
    event,
    action,
    outcome,
    actor,
    actorRole,
    actorOrg,
    onBehalfOf,
    household,
    fields,
    basis,
    purpose,
    reason,
  };
}

/** The person an account event is about: its one field (`Entry::subject`). */
export function subject(e: Entry): string | null {
  return ACCOUNT_EVENTS.includes(e.event) && e.fields.length === 1 ? e.fields[0]! : null;
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
