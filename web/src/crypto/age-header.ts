/**
 * A first look at an age file's header without opening it: the stanza
 * lines (`-> X25519 …`, `-> scrypt …`), found the way
 * `vault/src/keys/envelope.rs::check` finds them: after the
 * `age-encryption.org/v1` line, up to the first `\n---`, as UTF-8 text, each
 * line that starts with `-> `.
 *
 * Envelopes come from the network and keystores from files, so their shape
 * is checked before any key is tried on them.
 */
import { fromUtf8, indexOf, startsWith, utf8 } from "./bytes.js";

export const AGE_MAGIC = utf8("age-encryption.org/v1\n");
const MAC_LINE = utf8("\n---");

/** The stanza lines of an age file's header; `null` if it has no age header. */
export function stanzaLines(file: Uint8Array): string[] | null {
  if (!startsWith(file, AGE_MAGIC)) return null;
  const rest = file.subarray(AGE_MAGIC.length);
  const end = indexOf(rest, MAC_LINE);
  if (end < 0) return null;
  const header = fromUtf8(rest.subarray(0, end));
  if (header === null) return null;
  // Rust's `str::lines`: split at "\n", drop one trailing "\r".
  return header
    .split("\n")
    .map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line))
    .filter((line) => line.startsWith("-> "));
}
