// The TypeScript side of tests/web_crypto_interop.rs: reads a JSON list of
// operations on stdin, runs each with web/src/crypto, and writes a JSON list
// of results ({"ok": …} or {"error": {"kind", "message"}}) on stdout. Every
// operation is stateless: an identity travels as a keystore and passphrase
// (work factor 10, so opening one is cheap).
import { b64, decodeB64, decodeB64url, fromUtf8, utf8 } from "../../src/crypto/bytes.js";
import { openEnvelope, openEnvelopeKey, sealEnvelope } from "../../src/crypto/envelope.js";
import { keyFingerprint } from "../../src/crypto/fingerprint.js";
import {
  signGrant,
  signRevocation,
  verifyGrant,
  verifyRevocation,
  type GrantStatement,
  type RevocationStatement,
} from "../../src/crypto/grant.js";
import {
  contactStatement,
  createHouseholdBody,
  createStatement,
  generateHouseholdKey,
  memberStatement,
  openHouseholdKey,
} from "../../src/crypto/household.js";
import { fingerprintOf, generateSecrets, signB64url, unlock, type Identity } from "../../src/crypto/identity.js";
import { openKeystore, writeKeystore } from "../../src/crypto/keystore.js";
import { answerChallenge } from "../../src/crypto/login.js";
import { registerBody } from "../../src/crypto/enrol.js";
import { newFieldKey, openField, sealField } from "../../src/crypto/seal.js";
import {
  ciphertextSha256,
  HOUSEHOLD_READER,
  signVersion,
  verifyVersion,
  type VersionStatement,
} from "../../src/crypto/version.js";

type Op = Record<string, any>;

const bytes = (text: string): Uint8Array => {
  const b = decodeB64(text);
  if (b === null) throw new Error(`not base64: ${text.slice(0, 40)}`);
  return b;
};

async function me(op: Op): Promise<Identity> {
  return unlock(await openKeystore(op.keystore, op.passphrase));
}

const ops: Record<string, (op: Op) => Promise<unknown>> = {
  async keystore_new(op) {
    const secrets = await generateSecrets(op.name);
    const keystore = await writeKeystore(secrets, op.passphrase, op.work_factor);
    const id = await unlock(secrets);
    return { keystore, public: id.publicKeys, fingerprint: await fingerprintOf(id.publicKeys) };
  },
  async keystore_open(op) {
    const id = await me(op);
    return { name: id.name, public: id.publicKeys, fingerprint: await fingerprintOf(id.publicKeys) };
  },
  async fingerprint(op) {
    return keyFingerprint(decodeB64url(op.signing_key)!, op.age_recipient);
  },
  async envelope_seal(op) {
    return b64(await sealEnvelope(op.recipient, bytes(op.secret)));
  },
  async envelope_open(op) {
    const id = await me(op);
    const open = op.key ? openEnvelopeKey : openEnvelope;
    return b64(await open(id.ageKey, bytes(op.envelope)));
  },
  async household_key_open(op) {
    const key = await openHouseholdKey(await me(op), op.envelope, op.recipient);
    return { secret: key.secret, recipient: key.recipient };
  },
  async seal(op) {
    return b64(await sealField(bytes(op.key), op.binding, bytes(op.content)));
  },
  async seal_open(op) {
    return b64(await openField(bytes(op.key), op.binding, bytes(op.sealed)));
  },
  async version_sign(op) {
    return signVersion(await me(op), op.statement as VersionStatement);
  },
  async version_verify(op) {
    return verifyVersion(op.proof, decodeB64url(op.signing_key)!);
  },
  async grant_sign(op) {
    return signGrant(op.grant as GrantStatement, await me(op));
  },
  async grant_verify(op) {
    const v = await verifyGrant(op.jws, op.expected_key ? decodeB64url(op.expected_key)! : undefined);
    return v.statement;
  },
  async revocation_sign(op) {
    return signRevocation(op.revocation as RevocationStatement, await me(op));
  },
  async revocation_verify(op) {
    return (await verifyRevocation(op.jws, op.expected_key ? decodeB64url(op.expected_key)! : undefined)).statement;
  },
  async statement_sign(op) {
    const text =
      op.kind === "create"
        ? createStatement(op.household, op.recipient, op.creator, op.signed_at_ms)
        : op.kind === "contact"
          ? contactStatement(op.household, op.contact, op.fingerprint, op.wait_ms, op.named_by, op.signed_at_ms)
          : memberStatement(op.household, op.member, op.fingerprint, op.added_by, op.signed_at_ms);
    return { statement: text, signature: await signB64url(await me(op), utf8(text)) };
  },
  async household_create(op) {
    return createHouseholdBody(await me(op), op.my_id, op.household, await generateHouseholdKey(), op.signed_at_ms);
  },
  async register_body(op) {
    return registerBody(op.invite, await me(op));
  },
  async login_answer(op) {
    return answerChallenge(await me(op), op.origin, op.challenge);
  },
  /** Open a field as a member does: household key, field key, seal, and the writer's signature. */
  async field_read(op) {
    const id = await me(op);
    const household = await openHouseholdKey(id, op.household_envelope, op.household_recipient);
    const v = op.value;
    const ciphertext = bytes(v.ciphertext);
    const statement = await verifyVersion(v.proof, decodeB64url(op.writer_key)!);
    if (statement === null) throw new Error("the version's signature does not check out");
    if (statement.ciphertextSha256 !== (await ciphertextSha256(ciphertext))) throw new Error("the ciphertext is not the signed one");
    const key = await openEnvelopeKey(household.key, bytes(v.envelope));
    const binding = { household: op.household, path: v.path, version: v.version, keyGen: v.key_gen };
    return fromUtf8(await openField(key, binding, ciphertext));
  },
  /** Seal a new version for the household alone, as a member writes one (`WriteField`). */
  async field_write(op) {
    const id = await me(op);
    const version = op.replaces + 1;
    const key = newFieldKey();
    const ciphertext = await sealField(key, { household: op.household, path: op.path, version, keyGen: 1 }, utf8(op.content));
    const envelopes = [{ reader: HOUSEHOLD_READER, envelope: b64(await sealEnvelope(op.household_recipient, key)) }];
    const signedAtMs = op.signed_at_ms;
    const { signature } = await signVersion(id, {
      household: op.household,
      path: op.path,
      version,
      keyGen: 1,
      ciphertextSha256: await ciphertextSha256(ciphertext),
      readers: envelopes.map((e) => e.reader),
      writer: op.writer,
      grant: null,
      signer: op.writer,
      private: false,
      signedAtMs,
    });
    return { replaces: op.replaces, ciphertext: b64(ciphertext), envelopes, signed: { signed_at_ms: signedAtMs, signature } };
  },
};

async function run(op: Op): Promise<unknown> {
  const f = ops[op.op];
  if (!f) return { error: { kind: "UnknownOp", message: String(op.op) } };
  try {
    return { ok: (await f(op)) ?? null };
  } catch (e) {
    const err = e as { kind?: string; name?: string; message?: string };
    return { error: { kind: err.kind ?? err.name ?? "Error", message: err.message ?? String(e) } };
  }
}

let input = "";
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const op of JSON.parse(input) as Op[]) results.push(await run(op));
process.stdout.write(JSON.stringify(results));
