/**
 * Recovery codes and recovery blobs, as `vault/src/keys/recovery_code.rs`
 * and `vault/src/keys/recovery_blob.rs` make and read them (the reasons are
 * written there):
 *
 * - the code: 26 random Crockford base32 symbols (130 bits) and two check
 *   symbols (weighted sum mod 1021), shown as 7 groups of 4; read in any
 *   case, spaces and dashes ignored, I/L as 1 and O as 0;
 * - from it, HKDF-SHA256 (salt "kluis recovery code v1") gives the lookup id
 *   (label "kluis recovery lookup id", 64 hex digits) and the wrapping key
 *   (label "kluis recovery wrapping key");
 * - the blob: base64url(0x01 ‖ nonce ‖ AES-256-GCM(keystore JSON)), with
 *   "kluis recovery blob v1\n<lookup id>" as associated data.
 *
 * Only WebCrypto: HKDF and AES-GCM are standard primitives there.
 */
import { utf8 } from "./bytes.js";
import type { IdentitySecrets } from "./identity.js";
import { deriveWrapping, MAX_BLOB_CHARS, unwrapSecrets, wrapSecrets, type WrapScheme } from "./wrapped_secrets.js";

const DATA = 26;
const CHECK = 2;
const MODULUS = 1021;
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const SCHEME: WrapScheme = {
  salt: "kluis recovery code v1",
  lookupLabel: "kluis recovery lookup id",
  wrapLabel: "kluis recovery wrapping key",
  aadLabel: "kluis recovery blob v1",
};
export { MAX_BLOB_CHARS };

export type RecoveryCodeErrorKind = "Length" | "Character" | "Check";

/** Why text is not a recovery code (the messages are the CLI's). */
export class RecoveryCodeError extends Error {
  override readonly name = "RecoveryCodeError";
  constructor(
    readonly kind: RecoveryCodeErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** Why a blob did not open. */
export class RecoveryBlobError extends Error {
  override readonly name = "RecoveryBlobError";
  constructor() {
    super("the recovery data is damaged or was not made with this code");
  }
}

/** A recovery code whose check is right: only `parse` and `generate` make one. */
export class RecoveryCode {
  private constructor(private readonly symbols: Uint8Array) {}

  static generate(): RecoveryCode {
    // 32 divides 256: a byte's low five bits are uniform.
    const raw = crypto.getRandomValues(new Uint8Array(DATA));
    return new RecoveryCode(raw.map((b) => b & 31));
  }

  static parse(text: string): RecoveryCode {
    const values: number[] = [];
    for (const c of text) {
      if (c === "-" || /\s/.test(c)) continue;
      const v = valueOf(c);
      if (v === null) {
        throw new RecoveryCodeError(
          "Character",
          `'${c}' is not a character of a recovery code (they are 0-9 and A-Z without I, L, O and U)`,
        );
      }
      values.push(v);
    }
    if (values.length !== DATA + CHECK) {
      throw new RecoveryCodeError(
        "Length",
        `a recovery code has 28 characters (7 groups of 4); this one has ${values.length}`,
      );
    }
    const symbols = Uint8Array.from(values.slice(0, DATA));
    if (values[DATA]! * 32 + values[DATA + 1]! !== check(symbols)) {
      throw new RecoveryCodeError(
        "Check",
        "this recovery code has a typo: compare it, character by character, with the one you wrote down",
      );
    }
    return new RecoveryCode(symbols);
  }

  /** The code as it is written down: seven groups of four, with dashes. */
  toString(): string {
    const sum = check(this.symbols);
    const all = [...this.symbols, Math.floor(sum / 32), sum % 32];
    return all
      .map((v, i) => (i > 0 && i % 4 === 0 ? "-" : "") + ALPHABET[v])
      .join("");
  }

  /** The lookup id (hex) and the wrapping key (non-extractable AES-GCM). */
  async derive(): Promise<{ lookupId: string; wrappingKey: CryptoKey }> {
    const canonical = utf8([...this.symbols].map((v) => ALPHABET[v]).join(""));
    try {
      return await deriveWrapping(canonical, SCHEME);
    } finally {
      canonical.fill(0);
    }
  }

  /** The last two groups, which a person types back to show they have the code. */
  lastGroups(): string {
    return this.toString().split("-").slice(-2).join("");
  }
}

/** What a person typed back, as the code's own symbols. */
export function normalised(typed: string): string {
  return [...typed]
    .filter((c) => c !== "-" && !/\s/.test(c))
    .map((c) => {
      const u = c.toUpperCase();
      return u === "I" || u === "L" ? "1" : u === "O" ? "0" : u;
    })
    .join("");
}

function check(symbols: Uint8Array): number {
  let sum = 0;
  symbols.forEach((v, i) => (sum += (i + 1) * v));
  return sum % MODULUS;
}

function valueOf(c: string): number | null {
  let u = c.toUpperCase();
  if (u === "I" || u === "L") u = "1";
  if (u === "O") u = "0";
  const i = u.length === 1 ? ALPHABET.indexOf(u) : -1;
  return i >= 0 ? i : null;
}

/** Wrap `secrets` with the key `code` derives: what the server keeps. */
export async function sealRecovery(
  secrets: IdentitySecrets,
  code: RecoveryCode,
): Promise<{ lookup_id: string; blob: string }> {
  return wrapSecrets(secrets, await code.derive(), SCHEME);
}

/** Open a blob with the code it was made with. */
export async function openRecovery(code: RecoveryCode, blob: string): Promise<IdentitySecrets> {
  return unwrapSecrets(blob, await code.derive(), SCHEME, () => new RecoveryBlobError());
}
