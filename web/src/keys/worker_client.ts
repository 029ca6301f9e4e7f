// The page's side of the key worker (`worker/main.ts`). Unlocked keys live
// only in the worker; the page asks it to make keys, unlock a keystore and
// sign, and gets public values and signatures back. Locking ends the
// worker, which drops every key it held.

import { noteAnswer } from "../offline/status";
import type { WorkerReply, WorkerRequest, WorkerOps } from "../worker/protocol";

let worker: Worker | null = null;
let next = 1;
interface Waiting {
  op: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  onProgress?: (done: number, total: number) => void;
}
const waiting = new Map<number, Waiting>();

function start(): Worker {
  if (worker) return worker;
  const w = new Worker("/app/worker.js", { type: "module", name: "kluis-keys" });
  w.onmessage = (event: MessageEvent<WorkerReply>) => {
    const reply = event.data;
    const pending = waiting.get(reply.id);
    if (!pending) return;
    if ("progress" in reply) {
      pending.onProgress?.(reply.progress.done, reply.progress.total);
      return;
    }
    waiting.delete(reply.id);
    if (reply.ok) {
      noteAnswer(pending.op, reply.offline);
      pending.resolve(reply.result);
    } else {
      const { kind, message, current, principal, detail } = reply.error;
      pending.reject(new KeyError(kind, message, current, principal, detail));
    }
  };
  worker = w;
  return w;
}

/** An error from the key worker: `kind` says which ("wrong-passphrase", ...). */
export class KeyError extends Error {
  constructor(
    readonly kind: string,
    message: string,
    /** For "conflict": the version someone else wrote meanwhile. */
    readonly current?: number,
    /** For "keys-changed": whose keys changed. */
    readonly principal?: string,
    /** For "log-problem": which problem and its numbers. */
    readonly detail?: Record<string, string>,
  ) {
    super(message);
  }
}

export function ask<K extends keyof WorkerOps>(
  op: K,
  args: WorkerOps[K]["args"],
  onProgress?: (done: number, total: number) => void,
): Promise<WorkerOps[K]["result"]> {
  const w = start();
  const id = next++;
  const request: WorkerRequest = { id, op, args } as WorkerRequest;
  return new Promise((resolve, reject) => {
    waiting.set(id, { op, resolve: resolve as (v: unknown) => void, reject, onProgress });
    w.postMessage(request);
  });
}

/** Forget every unlocked key: the worker is ended, not asked. */
export function lockKeys() {
  worker?.terminate();
  worker = null;
  for (const [, pending] of waiting) pending.reject(new KeyError("locked", "locked"));
  waiting.clear();
}
