/**
 * JSON read the way the Rust side's serde reads it, for signed and secret
 * documents (JWS headers and claims, the keystore's contents).
 *
 * `JSON.parse` keeps the last of two equal keys and turns every number into
 * a float; serde refuses a repeated field, refuses a fraction or exponent
 * where an integer belongs and reads integers exactly. A verifier that read
 * more leniently than the signer's own checks would accept statements the
 * CLI refuses, so this small parser keeps integers as their text and refuses
 * repeated keys, and `fields` refuses unknown and missing ones
 * (`#[serde(deny_unknown_fields)]`).
 */

/** A parsed JSON value; numbers keep their exact text. */
export type Json =
  | { readonly type: "string"; readonly value: string }
  | { readonly type: "number"; readonly text: string }
  | { readonly type: "bool"; readonly value: boolean }
  | { readonly type: "null" }
  | { readonly type: "array"; readonly items: readonly Json[] }
  | { readonly type: "object"; readonly entries: ReadonlyMap<string, Json> };

/** Why a document was refused; `message` says where. */
export class JsonError extends Error {
  override readonly name = "JsonError";
}

/** serde_json's recursion limit. */
const MAX_DEPTH = 128;

/** Parse a complete document; whitespace around it is allowed, nothing else. */
export function parseJson(text: string): Json {
  const p = new Parser(text);
  p.ws();
  const value = p.value(0);
  p.ws();
  if (p.at < text.length) throw new JsonError(`trailing characters at ${p.at}`);
  return value;
}

class Parser {
  at = 0;
  constructor(private readonly s: string) {}

  fail(what: string): never {
    throw new JsonError(`${what} at ${this.at}`);
  }

  ws(): void {
    while (this.at < this.s.length && " \t\n\r".includes(this.s[this.at]!)) this.at++;
  }

  value(depth: number): Json {
    if (depth > MAX_DEPTH) this.fail("nested too deeply");
    const c = this.s[this.at];
    if (c === "{") return this.object(depth);
    if (c === "[") return this.array(depth);
    if (c === '"') return { type: "string", value: this.string() };
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number();
    for (const [word, v] of [
      ["true", { type: "bool", value: true }],
      ["false", { type: "bool", value: false }],
      ["null", { type: "null" }],
    ] as const) {
      if (this.s.startsWith(word, this.at)) {
        this.at += word.length;
        return v;
      }
    }
    return this.fail("expected a value");
  }

  object(depth: number): Json {
    this.at++;
    const entries = new Map<string, Json>();
    this.ws();
    if (this.s[this.at] === "}") {
      this.at++;
      return { type: "object", entries };
    }
    for (;;) {
      this.ws();
      if (this.s[this.at] !== '"') this.fail("expected a key");
      const key = this.string();
      if (entries.has(key)) this.fail(`duplicate field '${key.slice(0, 40)}'`);
      this.ws();
      if (this.s[this.at] !== ":") this.fail("expected ':'");
      this.at++;
      this.ws();
      entries.set(key, this.value(depth + 1));
      this.ws();
      const c = this.s[this.at++];
      if (c === "}") return { type: "object", entries };
      if (c !== ",") this.fail("expected ',' or '}'");
    }
  }

  array(depth: number): Json {
    this.at++;
    const items: Json[] = [];
    this.ws();
    if (this.s[this.at] === "]") {
      this.at++;
      return { type: "array", items };
    }
    for (;;) {
      this.ws();
      items.push(this.value(depth + 1));
      this.ws();
      const c = this.s[this.at++];
      if (c === "]") return { type: "array", items };
      if (c !== ",") this.fail("expected ',' or ']'");
    }
  }

  number(): Json {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.s.slice(this.at));
    if (!m) return this.fail("invalid number");
    this.at += m[0].length;
    return { type: "number", text: m[0] };
  }

  string(): string {
    this.at++;
    let out = "";
    for (;;) {
      const c = this.s[this.at++];
      if (c === undefined) this.fail("unterminated string");
      if (c === '"') return out;
      if (c < " ") this.fail("control character in string");
      if (c !== "\\") {
        // A lone surrogate can only come from a JS string, never from
        // decoded UTF-8; refuse it as Rust could never have produced it.
        const code = c.charCodeAt(0);
        if (code >= 0xd800 && code <= 0xdbff) {
          const next = this.s.charCodeAt(this.at);
          if (!(next >= 0xdc00 && next <= 0xdfff)) this.fail("lone surrogate");
          out += c + this.s[this.at++];
        } else if (code >= 0xdc00 && code <= 0xdfff) {
          this.fail("lone surrogate");
        } else {
          out += c;
        }
        continue;
      }
      const e = this.s[this.at++];
      const simple: Record<string, string> = {
        '"': '"',
        "\\": "\\",
        "/": "/",
        b: "\b",
        f: "\f",
        n: "\n",
        r: "\r",
        t: "\t",
      };
      if (e !== undefined && e in simple) {
        out += simple[e];
      } else if (e === "u") {
        const unit = this.hex4();
        if (unit >= 0xd800 && unit <= 0xdbff) {
          if (this.s.slice(this.at, this.at + 2) !== "\\u") this.fail("lone surrogate");
          this.at += 2;
          const low = this.hex4();
          if (low < 0xdc00 || low > 0xdfff) this.fail("lone surrogate");
          out += String.fromCharCode(unit, low);
        } else if (unit >= 0xdc00 && unit <= 0xdfff) {
          this.fail("lone surrogate");
        } else {
          out += String.fromCharCode(unit);
        }
      } else {
        this.fail("invalid escape");
      }
    }
  }

  hex4(): number {
    const h = this.s.slice(this.at, this.at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) this.fail("invalid \\u escape");
    this.at += 4;
    return parseInt(h, 16);
  }
}

/**
 * The members of an object that must have exactly the fields `names` (in
 * any order): none missing, none unknown.
 */
export function fields<K extends string>(value: Json, names: readonly K[]): Record<K, Json> {
  if (value.type !== "object") throw new JsonError("expected an object");
  for (const key of value.entries.keys()) {
    if (!(names as readonly string[]).includes(key)) {
      throw new JsonError(`unknown field '${key.slice(0, 40)}'`);
    }
  }
  const out = {} as Record<K, Json>;
  for (const name of names) {
    const v = value.entries.get(name);
    if (v === undefined) throw new JsonError(`missing field '${name}'`);
    out[name] = v;
  }
  return out;
}

/** A string value. */
export function str(value: Json, what: string): string {
  if (value.type !== "string") throw new JsonError(`${what}: expected a string`);
  return value.value;
}

/** A list of strings. */
export function strings(value: Json, what: string): string[] {
  if (value.type !== "array") throw new JsonError(`${what}: expected a list`);
  return value.items.map((item) => str(item, what));
}

/**
 * An integer within [min, max] (as bigints, so i64 and u32 bounds are
 * exact), returned as a number. A number outside the safe range is returned
 * rounded: callers' own range checks refuse it, as the Rust side's do.
 */
export function integer(value: Json, what: string, min: bigint, max: bigint): number {
  if (value.type !== "number" || !/^-?(0|[1-9][0-9]*)$/.test(value.text)) {
    throw new JsonError(`${what}: expected an integer`);
  }
  const n = BigInt(value.text);
  if (n < min || n > max) throw new JsonError(`${what}: out of range`);
  return Number(n);
}

export const I64_MIN = -(2n ** 63n);
export const I64_MAX = 2n ** 63n - 1n;
export const U32_MAX = 2n ** 32n - 1n;
