// The key worker: the only place the unlocked keys exist (see state.ts).
// It answers the page's requests (protocol.ts) with the handlers of each
// area. Locking the app terminates this worker (`keys/worker_client.ts`).

import type { Handlers, Progress } from "./handlers";
import { auditOps } from "./ops_audit";
import { consentOps } from "./ops_consent";
import { exportOps } from "./ops_export";
import { keyOps } from "./ops_keys";
import { planOps } from "./ops_plan";
import { professionalOps } from "./ops_professional";
import { rotateOps } from "./ops_rotate";
import type { WorkerOps, WorkerReply, WorkerRequest } from "./protocol";
import { Refused } from "./state";
import { servedMark, servedSince } from "../offline/responses";

const handlers: Handlers<keyof WorkerOps> = { ...keyOps, ...rotateOps, ...planOps, ...consentOps, ...exportOps, ...auditOps, ...professionalOps };

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const { id, op, args } = event.data;
  let reply: WorkerReply;
  try {
    const handler = handlers[op] as ((a: typeof args, p: Progress) => Promise<unknown>) | undefined;
    if (!handler) throw new Refused("unknown-op", `no such operation: ${String(op)}`);
    const progress: Progress = (done, total) => (self as unknown as Worker).postMessage({ id, progress: { done, total } });
    const mark = servedMark();
    const result = await handler(args, progress);
    const offline = servedSince(mark);
    reply = offline ? { id, ok: true, result, offline } : { id, ok: true, result };
  } catch (e) {
    const kind = e instanceof Refused ? e.kind : (e as { kind?: string }).kind ?? "failed";
    const current = e instanceof Refused ? e.current : undefined;
    const principal = e instanceof Refused ? e.principal : undefined;
    const detail = e instanceof Refused ? e.detail : undefined;
    reply = { id, ok: false, error: { kind, message: e instanceof Error ? e.message : String(e), current, principal, detail } };
  }
  (self as unknown as Worker).postMessage(reply);
};
