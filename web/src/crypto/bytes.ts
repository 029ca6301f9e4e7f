/**
 * Byte helpers shared by the crypto modules: UTF-8, strict base64 and hex.
 *
 * The Rust side decodes base64 with the `base64` crate's strict engines,
 * which refuse padding where none belongs, whitespace and non-zero trailing
 * bits, so every signature, key and statement has exactly one spelling.
 * `decodeB64url` and `decodeB64` refuse the same inputs here: they decode and
 * then insist that encoding the result gives back the exact input.
 */
import { base64, base64urlnopad } from "@scure/base";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Text from UTF-8 bytes; `null` when the bytes are not valid UTF-8. */
export function fromUtf8(bytes: Uint8Array): string | null {
  try {
    return decoder.decode(bytes);
  } catch {
    return null;
  }
}

/** Whether `text` has no lone surrogate, so it has a UTF-8 form Rust accepts. */
export function isWellFormed(text: string): boolean {
  return fromUtf8(utf8(text)) === text;
}

/** Unpadded base64url, as Rust's `URL_SAFE_NO_PAD`. */
export function b64url(bytes: Uint8Array): string {
  return base64urlnopad.encode(bytes);
}

/** Decode unpadded base64url, canonical form only; `null` otherwise. */
export function decodeB64url(text: string): Uint8Array | null {
  try {
    const bytes = base64urlnopad.decode(text);
    return base64urlnopad.encode(bytes) === text ? bytes : null;
  } catch {
    return null;
  }
}

/** Padded standard base64, as Rust's `STANDARD` (envelopes, ciphertexts in JSON). */
export function b64(bytes: Uint8Array): string {
  return base64.encode(bytes);
}

/** Decode padded standard base64, canonical form only; `null` otherwise. */
export function decodeB64(text: string): Uint8Array | null {
  try {
    const bytes = base64.decode(text);
    return base64.encode(bytes) === text ? bytes : null;
  } catch {
    return null;
  }
}

/** Lowercase hex. */
export function hex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** Bytes from exactly `2n` lowercase hex digits; `null` otherwise. */
export function fromHex(text: string): Uint8Array | null {
  if (text.length % 2 !== 0 || !/^[0-9a-f]*$/.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The concatenation of `parts`. */
export function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Whether two byte strings are equal (not constant time: for public values). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A copy in a fresh `ArrayBuffer`, the type WebCrypto's signatures ask for. */
export function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

/** Position of `needle` in `hay`, or -1. */
export function indexOf(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Whether `bytes` starts with `prefix`. */
export function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.length >= prefix.length && equalBytes(bytes.subarray(0, prefix.length), prefix);
}
