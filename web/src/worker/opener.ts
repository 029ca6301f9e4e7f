// An opener worker: started by the key worker (open_pool.ts), so it ends
// when the key worker ends (locking the app). It holds only the age
// identities the key worker sends it, and opens field values with them
// (crypto/field_open.ts); the field keys never leave it.

import { openSealedField } from "../crypto/field_open";
import type { OpenerReply, OpenerRequest } from "./opener_protocol";

const identities = new Map<number, CryptoKey>();

async function answer(m: Extract<OpenerRequest, { kind: "open" }>): Promise<OpenerReply> {
  try {
    const identity = identities.get(m.identity);
    if (!identity) throw new Error("the opener has no such identity");
    return { req: m.req, ok: true, value: await openSealedField(identity, m.envelope, m.binding, m.sealed) };
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    return { req: m.req, ok: false, error: { name: error.name, kind: (error as { kind?: string }).kind, message: error.message } };
  }
}

self.onmessage = async (event: MessageEvent<OpenerRequest>) => {
  const m = event.data;
  if (m.kind === "identity") {
    identities.set(m.id, m.key);
    return;
  }
  const reply = await answer(m);
  (self as unknown as Worker).postMessage(reply, reply.ok ? [reply.value.buffer as ArrayBuffer] : []);
};
