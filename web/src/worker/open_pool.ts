// The pool of opener workers the key worker hands field values to
// (worker/opener.ts), so that opening a plan uses every core: the age
// unwrap of each field is JavaScript work on one thread, and a worker has
// one. The pool starts with the first value to open and lives as long as
// the key worker: ending that (locking the app) ends the openers too.
//
// A value goes to the opener with the fewest waiting; the identity it
// needs is sent to that opener first, once. An error comes back as the
// `EnvelopeError` or `SealError` it was, so callers tell the steps apart.

import type { FieldOpener } from "../client/opener";
import { openHere } from "../client/opener";
import { EnvelopeError, type EnvelopeErrorKind } from "../crypto/envelope";
import { SealError, type SealErrorKind, type Binding } from "../crypto/seal";
import type { OpenerReply, OpenerRequest } from "./opener_protocol";

/** Where the opener's bundle is served (`web/build.mjs`, `server/web_app.rs`). */
export const OPENER_URL = "/app/opener.js";
/** More openers than this would mostly wait for the key worker's fetches. */
const MAX_OPENERS = 4;

interface Opener {
  worker: Worker;
  waiting: Map<number, { resolve: (v: Uint8Array) => void; reject: (e: Error) => void }>;
  identities: Set<number>;
}

function rebuilt(error: { name: string; kind?: string; message: string }): Error {
  if (error.name === "EnvelopeError") return new EnvelopeError(error.kind as EnvelopeErrorKind);
  if (error.name === "SealError") return new SealError(error.kind as SealErrorKind);
  return new Error(error.message);
}

export class OpenPool implements FieldOpener {
  private readonly openers: (Opener | null)[];
  private readonly identityIds = new WeakMap<CryptoKey, number>();
  private nextIdentity = 1;
  private nextRequest = 1;

  constructor(
    size: number,
    private readonly url: string = OPENER_URL,
  ) {
    this.openers = new Array<Opener | null>(Math.max(1, size)).fill(null);
  }

  open(identity: CryptoKey, envelope: Uint8Array, binding: Binding, sealed: Uint8Array): Promise<Uint8Array> {
    const o = this.leastBusy();
    let id = this.identityIds.get(identity);
    if (id === undefined) {
      id = this.nextIdentity++;
      this.identityIds.set(identity, id);
    }
    if (!o.identities.has(id)) {
      o.worker.postMessage({ kind: "identity", id, key: identity } satisfies OpenerRequest);
      o.identities.add(id);
    }
    const req = this.nextRequest++;
    const message: OpenerRequest = { kind: "open", req, identity: id, envelope, binding, sealed };
    return new Promise((resolve, reject) => {
      o.waiting.set(req, { resolve, reject });
      o.worker.postMessage(message);
    });
  }

  private leastBusy(): Opener {
    let best = -1;
    for (let i = 0; i < this.openers.length; i++) {
      const o = this.openers[i];
      if (!o) {
        // An opener not started yet is the least busy of all.
        best = i;
        break;
      }
      if (best < 0 || o.waiting.size < this.openers[best]!.waiting.size) best = i;
    }
    return (this.openers[best] ??= this.start(best));
  }

  private start(slot: number): Opener {
    const worker = new Worker(this.url, { type: "module", name: "kluis-opener" });
    const o: Opener = { worker, waiting: new Map(), identities: new Set() };
    worker.onmessage = (event: MessageEvent<OpenerReply>) => {
      const reply = event.data;
      const pending = o.waiting.get(reply.req);
      if (!pending) return;
      o.waiting.delete(reply.req);
      if (reply.ok) pending.resolve(reply.value);
      else pending.reject(rebuilt(reply.error));
    };
    // An opener that failed (it did not load, or crashed): what it had is
    // refused, and the next value starts a fresh one in its place.
    worker.onerror = (event) => {
      event.preventDefault();
      worker.terminate();
      if (this.openers[slot] === o) this.openers[slot] = null;
      for (const pending of o.waiting.values()) pending.reject(new Error(`a field opener failed: ${event.message}`));
      o.waiting.clear();
    };
    return o;
  }
}

let shared: FieldOpener | null = null;

/**
 * The key worker's opener: one pool for the worker's life, an opener per
 * core (at most `MAX_OPENERS`); where workers cannot start workers, the
 * key worker opens values itself.
 */
export function fieldOpener(): FieldOpener {
  if (shared) return shared;
  const cores = typeof navigator === "undefined" ? 1 : navigator.hardwareConcurrency || 1;
  shared = typeof Worker === "undefined" ? openHere : new OpenPool(Math.min(cores, MAX_OPENERS));
  return shared;
}
