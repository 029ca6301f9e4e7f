// The key worker: the only place the unlocked keys exist (see state.ts).
// It answers the page's requests (protocol.ts) with the handlers of each
// area. Locking the app terminates this worker (`keys/worker_client.ts`).

import type { Handlers } from "./handlers";
import { consentOps } from "./ops_consent";
import { exportOps } from "./ops_export";
import { keyOps } from "./ops_keys";
import { planOps } from "./ops_plan";
import type { WorkerOps, WorkerReply, WorkerRequest } from "./protocol";
import { Refused } from "./state";

const handlers: Handlers<keyof WorkerOps> = { ...keyOps, ...planOps, ...consentOps, ...exportOps };

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const { id, op, args } = event.data;
  let reply: WorkerReply;
  try {
    const handler = handlers[op] as ((a: typeof args) => Promise<unknown>) | undefined;
    if (!handler) throw new Refused("unknown-op", `no such operation: ${String(op)}`);
    reply = { id, ok: true, result: await handler(args) };
  } catch (e) {
    const kind = e instanceof Refused ? e.kind : (e as { kind?: string }).kind ?? "failed";
    const current = e instanceof Refused ? e.current : undefined;
    const principal = e instanceof Refused ? e.principal : undefined;
    reply = { id, ok: false, error: { kind, message: e instanceof Error ? e.message : String(e), current, principal } };
  }
  (self as unknown as Worker).postMessage(reply);
};
