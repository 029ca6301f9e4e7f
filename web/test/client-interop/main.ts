// The TypeScript side of tests/web_client_interop.rs: one device of one
// person, driving the key worker's own op handlers (worker/ops_*.ts, the
// client in web/src/client) against a real kluis server, in Node.
//
// stdin: {"server", "keystore", "passphrase", "device"?, "ops": [{"op", "args"}]}
// stdout: {"results": [{"ok": …} | {"error": {"kind", "message", "current"?}}], "device": {…}}
//
// The device store is in memory (Node has no IndexedDB); "device" carries
// what it remembered (pins, versions seen, the log pin) from one run to the
// next, as the browser's IndexedDB would. A `value` argument given as text
// is sent as its UTF-8 bytes; byte results come back as text.
import { MemoryDeviceStore } from "../../src/client/device_store";
import { fromUtf8, utf8 } from "../../src/crypto/bytes";
import { unlock } from "../../src/crypto/identity";
import { openKeystore } from "../../src/crypto/keystore";
import { answerChallenge, originOf } from "../../src/crypto/login";
import { auditOps } from "../../src/worker/ops_audit";
import { consentOps } from "../../src/worker/ops_consent";
import { keyOps } from "../../src/worker/ops_keys";
import { planOps } from "../../src/worker/ops_plan";
import { professionalOps } from "../../src/worker/ops_professional";
import { rotateOps } from "../../src/worker/ops_rotate";
import { state } from "../../src/worker/state";

interface Input {
  server: string;
  keystore: string;
  passphrase: string;
  device?: Record<string, unknown>;
  ops: { op: string; args: Record<string, unknown> }[];
}

const handlers: Record<string, (args: never, progress: (done: number, total: number) => void) => Promise<unknown>> = {
  ...keyOps,
  ...rotateOps,
  ...planOps,
  ...consentOps,
  ...auditOps,
  ...professionalOps,
};

async function post<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Byte values as text, for JSON. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return fromUtf8(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

let text = "";
for await (const chunk of process.stdin) text += chunk;
const input = JSON.parse(text) as Input;

const device = MemoryDeviceStore.from(input.device);
state.deviceStore = () => device;
const identity = await unlock(await openKeystore(input.keystore, input.passphrase));
state.identity = identity;
// Log in as the page does (api/auth.ts), then hand the worker the session.
const origin = originOf(input.server)!;
const challenge = await post<{ challenge_id: string; nonce: string }>(`${origin}/v1/auth/challenge`, {
  signing_key: identity.publicKeys.signing_key,
});
const token = await post<{ token: string; principal_id: string }>(
  `${origin}/v1/auth/token`,
  await answerChallenge(identity, origin, challenge),
);
await keyOps.setSession({ token: token.token, principal_id: token.principal_id, origin }, () => {});

const results = [];
for (const { op, args } of input.ops) {
  const handler = handlers[op];
  if (!handler) {
    results.push({ error: { kind: "unknown-op", message: op } });
    continue;
  }
  const a = { ...args };
  if (typeof a.value === "string") a.value = utf8(a.value);
  if (typeof a.text === "string") a.text = utf8(a.text);
  try {
    results.push({ ok: plain(await handler(a as never, () => {})) });
  } catch (e) {
    const err = e as { kind?: string; message?: string; current?: number; detail?: Record<string, string> };
    results.push({ error: { kind: err.kind ?? "failed", message: err.message ?? String(e), current: err.current, detail: err.detail } });
  }
}
process.stdout.write(JSON.stringify({ results, device: device.snapshot() }));
