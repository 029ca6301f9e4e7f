/**
 * The header of an age file to one X25519 identity, opened as
 * `age-encryption` 0.3's `Decrypter.decryptHeader` opens it (its
 * `parseHeader`, `X25519Identity.unwrapFileKey` and the header MAC), but
 * over the bytes at hand instead of through a `ReadableStream` line
 * reader, whose promises were a seventh of the time to open a plan. The
 * same steps in the same order, with the same primitives: WebCrypto X25519
 * with the identity's non-extractable key, and the HKDF-SHA-256, HMAC and
 * ChaCha20-Poly1305 of the `@noble` packages age is built on; errors carry
 * age's messages, so `envelope.ts` maps them as before ("NotForMe" for a
 * header that is not for this key, "Malformed" for the rest).
 * `test/crypto/envelope.test.ts` compares the outcome with age's own
 * `decrypt` on every one-bit change, cut and addition of envelopes.
 */
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { base64nopad } from "@scure/base";

import { utf8 } from "./bytes.js";

export const NO_MATCH = "no identity matched any of the file's recipients";
export const BAD_MAC = "invalid header HMAC";
export const BAD_X25519 = "invalid X25519 stanza";

const VERSION_LINE = "age-encryption.org/v1";
const X25519_LABEL = utf8("age-encryption.org/v1/X25519");
const HEADER_LABEL = utf8("header");
/** The X25519 base point (u = 9): the identity's own recipient is identity × base. */
const BASE_POINT = (() => {
  const u = new Uint8Array(32);
  u[0] = 9;
  return u;
})();

interface Stanza {
  args: string[];
  body: Uint8Array;
}

/** Lines of `file` from `pos`, as age's `LineReader` reads them. */
class Lines {
  pos = 0;
  constructor(readonly file: Uint8Array) {}

  /** The next line without its `\n`; `null` at the end (no `\n` left). */
  next(): string | null {
    const end = this.file.indexOf(0x0a, this.pos);
    if (end < 0) return null;
    let line = "";
    for (let i = this.pos; i < end; i++) {
      const b = this.file[i]!;
      if (b < 32 || b > 126) throw new Error("invalid non-ASCII byte in header");
      line += String.fromCharCode(b);
    }
    this.pos = end + 1;
    return line;
  }
}

/** age's `parseHeader`: the stanzas, the bytes the MAC covers, the MAC, where the header ends. */
function parseHeader(file: Uint8Array) {
  const lines = new Lines(file);
  const version = lines.next();
  if (version !== VERSION_LINE) throw new Error("invalid version");
  const stanzas: Stanza[] = [];
  for (;;) {
    const argsLine = lines.next();
    if (argsLine === null) throw new Error("invalid stanza");
    const args = argsLine.split(" ");
    if (args.length < 2 || args.shift() !== "->") {
      if (!argsLine.startsWith("--- ")) throw new Error("invalid header");
      const mac = base64nopad.decode(argsLine.slice(4));
      // Up to and including "---", as age's transcript slice.
      const headerNoMac = file.subarray(0, lines.pos - 1 - argsLine.length + 3);
      return { stanzas, headerNoMac, mac, end: lines.pos };
    }
    for (const arg of args) if (arg.length === 0) throw new Error("invalid stanza");
    const body: Uint8Array[] = [];
    for (;;) {
      const line = lines.next();
      if (line === null) throw new Error("invalid stanza");
      const chunk = base64nopad.decode(line);
      if (chunk.length > 48) throw new Error("invalid stanza");
      body.push(chunk);
      if (chunk.length < 48) break;
    }
    const joined = new Uint8Array(body.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of body) {
      joined.set(c, at);
      at += c.length;
    }
    stanzas.push({ args, body: joined });
  }
}

async function x25519(identity: CryptoKey, u: Uint8Array): Promise<Uint8Array> {
  const peer = await crypto.subtle.importKey("raw", new Uint8Array(u), { name: "X25519" }, false, []);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "X25519", public: peer }, identity, 256));
}

/** Each identity's own recipient, worked out once (age does it per `Decrypter`). */
const recipients = new WeakMap<CryptoKey, Promise<Uint8Array>>();

function recipientOf(identity: CryptoKey): Promise<Uint8Array> {
  let r = recipients.get(identity);
  if (!r) {
    r = x25519(identity, BASE_POINT);
    recipients.set(identity, r);
  }
  return r;
}

/** age's `X25519Identity.unwrapFileKey`: the file key from the first X25519 stanza that opens. */
async function unwrapFileKey(identity: CryptoKey, stanzas: Stanza[]): Promise<Uint8Array | null> {
  for (const s of stanzas) {
    if (s.args.length < 1 || s.args[0] !== "X25519") continue;
    if (s.args.length !== 2) throw new Error(BAD_X25519);
    const share = base64nopad.decode(s.args[1]!);
    if (share.length !== 32) throw new Error(BAD_X25519);
    const secret = await x25519(identity, share);
    const recipient = await recipientOf(identity);
    const salt = new Uint8Array(64);
    salt.set(share);
    salt.set(recipient, 32);
    const key = hkdf(sha256, secret, salt, X25519_LABEL, 32);
    secret.fill(0);
    if (s.body.length !== 32) throw new Error("invalid stanza");
    try {
      return chacha20poly1305(key, new Uint8Array(12)).decrypt(s.body);
    } catch {
      // not this stanza
    } finally {
      key.fill(0);
    }
  }
  return null;
}

/**
 * The file key of an age file to `identity`, and where its header ends
 * (the payload follows). Throws with age's messages.
 */
export async function openAgeHeader(identity: CryptoKey, file: Uint8Array): Promise<{ fileKey: Uint8Array; end: number }> {
  const h = parseHeader(file);
  const fileKey = await unwrapFileKey(identity, h.stanzas);
  if (fileKey === null) throw new Error(NO_MATCH);
  const macKey = hkdf(sha256, fileKey, undefined, HEADER_LABEL, 32);
  const mac = hmac(sha256, macKey, h.headerNoMac);
  macKey.fill(0);
  let diff = mac.length ^ h.mac.length;
  for (let i = 0; i < Math.min(mac.length, h.mac.length); i++) diff |= mac[i]! ^ h.mac[i]!;
  if (diff !== 0) {
    fileKey.fill(0);
    throw new Error(BAD_MAC);
  }
  return { fileKey, end: h.end };
}
