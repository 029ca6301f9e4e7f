/**
 * Signed checkpoints of the access log, as `audit/src/checkpoint.rs` reads
 * them: a C2SP tlog-checkpoint body (origin, size, root) inside a C2SP
 * signed note, checked with the log's verifier key
 * `<name>+<hex key id>+<base64(0x01 || Ed25519 public key)>`. The note comes
 * from a server this device does not trust, so it is read as strictly as
 * the Rust side reads it: size caps, canonical forms only.
 */
import { concat, decodeB64, equalBytes, fromHex, own, utf8 } from "../crypto/bytes";
import { verifySignature } from "../crypto/identity";
import { emptyRoot, verifyConsistency } from "./merkle";

export const MAX_NOTE_BYTES = 16 * 1024;
export const MAX_SIGNATURES = 100;
const ALG_ED25519 = 0x01;
const SIG_PREFIX = "\u2014 ";

export interface Checkpoint {
  readonly origin: string;
  readonly size: bigint;
  readonly root: Uint8Array;
}

/** Why a note, checkpoint or key was refused (`CheckpointError`). */
export class CheckpointError extends Error {
  override readonly name = "CheckpointError";
}

/** Rust's `char::is_control`: the C0 and C1 controls. */
const hasControl = (s: string) => /[\u0000-\u001f\u007f-\u009f]/.test(s);

function validKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name) && !hasControl(name);
}

async function keyId(name: string, publicKey: Uint8Array): Promise<Uint8Array> {
  const msg = concat(utf8(name), new Uint8Array([0x0a, ALG_ED25519]), publicKey);
  return new Uint8Array(await crypto.subtle.digest("SHA-256", own(msg))).slice(0, 4);
}

/** A decimal without sign, spaces or leading zeros, at most u64 (`parse_decimal`). */
function parseDecimal(s: string): bigint | null {
  if (!/^(0|[1-9][0-9]*)$/.test(s)) return null;
  const n = BigInt(s);
  return n < 2n ** 64n ? n : null;
}

/** Parse a checkpoint body: exactly three lines, canonical forms (`Checkpoint::parse_body`). */
export function parseBody(body: string): Checkpoint {
  if (!body.endsWith("\n")) throw new CheckpointError("malformed checkpoint: body must end with a newline");
  const lines = body.slice(0, -1).split("\n");
  if (lines.length !== 3) throw new CheckpointError("malformed checkpoint: not three lines");
  const [origin, sizeText, rootText] = lines as [string, string, string];
  const size = parseDecimal(sizeText);
  if (size === null) throw new CheckpointError("malformed checkpoint: size is not a canonical decimal number");
  const root = decodeB64(rootText);
  if (root === null || root.length !== 32) throw new CheckpointError("malformed checkpoint: root is not canonical base64 of 32 bytes");
  if (origin.length === 0 || hasControl(origin)) throw new CheckpointError("malformed checkpoint: bad origin");
  return { origin, size, root };
}

/** A pinned log key: opens signed checkpoints (`LogVerifier`). */
export class LogVerifier {
  private constructor(
    readonly name: string,
    private readonly id: Uint8Array,
    private readonly publicKey: Uint8Array,
  ) {}

  /** Parse a verifier key and check its id matches its name and key (`LogVerifier::parse`). */
  static async parse(vkey: string): Promise<LogVerifier> {
    const first = vkey.indexOf("+");
    const second = first < 0 ? -1 : vkey.indexOf("+", first + 1);
    if (second < 0) throw new CheckpointError("malformed key: missing parts");
    const name = vkey.slice(0, first);
    const idHex = vkey.slice(first + 1, second);
    const material = decodeB64(vkey.slice(second + 1));
    if (!validKeyName(name)) throw new CheckpointError("invalid key name");
    const id = /^[0-9a-f]{8}$/.test(idHex) ? fromHex(idHex) : null;
    if (id === null) throw new CheckpointError("malformed key: key id must be 8 lowercase hex digits");
    if (material === null) throw new CheckpointError("malformed key: key is not canonical base64");
    if (material.length !== 33 || material[0] !== ALG_ED25519) throw new CheckpointError("malformed key: not an Ed25519 verifier key");
    const publicKey = material.slice(1);
    if (!equalBytes(await keyId(name, publicKey), id)) throw new CheckpointError("malformed key: key id does not match the key");
    return new LogVerifier(name, id, publicKey);
  }

  /** Verify a signed note and return its signed text (`open_note`). */
  async openNote(note: string): Promise<string> {
    const bad = (why: string) => new CheckpointError(`malformed note: ${why}`);
    if (utf8(note).length > MAX_NOTE_BYTES) throw new CheckpointError("the note is too large");
    if (hasControl(note.replaceAll("\n", ""))) throw bad("control character");
    const split = note.lastIndexOf("\n\n");
    if (split < 0) throw bad("no blank line before signatures");
    const text = note.slice(0, split + 1);
    const sigs = note.slice(split + 2);
    if (!sigs.endsWith("\n")) throw bad("signature block must end with a newline");
    const lines = sigs.slice(0, -1).split("\n");
    if (lines.length > MAX_SIGNATURES) throw new CheckpointError("the note has too many signatures");
    let verified = false;
    for (const line of lines) {
      if (!line.startsWith(SIG_PREFIX)) throw bad("signature line must start with an em dash and a space");
      const rest = line.slice(SIG_PREFIX.length);
      const space = rest.indexOf(" ");
      if (space < 0) throw bad("signature line has no key name");
      const name = rest.slice(0, space);
      if (!validKeyName(name)) throw bad("invalid key name in signature line");
      const blob = decodeB64(rest.slice(space + 1));
      if (blob === null) throw bad("signature is not canonical base64");
      if (blob.length < 5) throw bad("signature too short");
      if (name !== this.name || !equalBytes(blob.subarray(0, 4), this.id)) continue;
      if (blob.length !== 68 || !(await verifySignature(this.publicKey, utf8(text), blob.subarray(4)))) {
        throw new CheckpointError("the signature by the log key is invalid: the checkpoint was altered or forged");
      }
      verified = true;
    }
    if (!verified) throw new CheckpointError("the note has no signature by the log key");
    return text;
  }

  /** Verify a signed checkpoint and parse its body (`open`). */
  async open(note: string): Promise<Checkpoint> {
    return parseBody(await this.openNote(note));
  }
}

/**
 * `next` continues the log this device pinned as `old`
 * (`verify_consistency_with_pinned`).
 */
export async function consistentWithPinned(old: Checkpoint, next: Checkpoint, proof: Uint8Array[]): Promise<void> {
  if (old.origin !== next.origin) throw new CheckpointError(`another log: pinned ${old.origin}, found ${next.origin}`);
  if (next.size < old.size) throw new CheckpointError(`the log shrank from ${old.size} to ${next.size}`);
  if (old.size === 0n) {
    if (equalBytes(old.root, await emptyRoot()) && proof.length === 0) return;
    throw new CheckpointError("the log forked");
  }
  try {
    await verifyConsistency(old.size, next.size, old.root, next.root, proof);
  } catch {
    throw new CheckpointError(`the log forked between size ${old.size} and ${next.size}`);
  }
}
