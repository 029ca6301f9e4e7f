/**
 * The kluis API as the client in the key worker calls it, with the session's
 * bearer token (mirrors `vault/src/client/http.rs`). Calls go to the
 * session's origin by absolute URL, so the same code runs in the worker and
 * in Node. Errors are `ApiError`s with the server's problem kind. When the
 * server says the login ran out, `renew` (if given) logs in again with the
 * worker's keys and the same attempt is sent again, with the same
 * idempotency key for a write (`api/http.ts`, `callAs`).
 */
import { ApiError, callAs } from "../api/http";
import { drop, keep, noteServed, recall, type Kept } from "../offline/responses";
import type { DeviceStore } from "./device_store";

export class Api {
  constructor(
    /** The server's origin, e.g. "https://kluis.example". */
    readonly origin: string,
    public token: string,
    /** A new token, when the server refuses this one. */
    private readonly renew?: () => Promise<string>,
    /** Where answers are kept for reading offline (`offline/responses.ts`); none in some tests. */
    private readonly kept?: DeviceStore,
  ) {}

  private send<T>(method: "GET" | "POST" | "PUT", path: string, body?: unknown): Promise<T> {
    const renew = this.renew;
    return callAs<T>(method, this.origin + path, {
      token: () => this.token,
      body,
      ...(renew ? { renew: async () => void (this.token = await renew()) } : {}),
    });
  }

  /**
   * GET, keeping the answer on the device; when the server cannot be
   * reached, the answer kept from the last time (if any), noted as served
   * offline. Every check the caller makes applies to it all the same.
   */
  async get<T>(path: string): Promise<T> {
    try {
      const body = await this.send<T>("GET", path);
      if (this.kept) await keep(this.kept, path, body);
      return body;
    } catch (e) {
      if (!(e instanceof ApiError && e.kind === "network") || !this.kept) throw e;
      const old = await recall(this.kept, path);
      if (!old?.body) throw notKept(path);
      noteServed((old as Kept).fetched_at);
      return old.body as T;
    }
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.send<T>("POST", path, body);
  }

  async put<T>(path: string, body: unknown): Promise<T> {
    // A field written anew: what was kept of it is older than this write.
    if (this.kept) await drop(this.kept, path);
    return this.send<T>("PUT", path, body);
  }
}

/** A path segment or field path in a URL: paths are `a-z0-9-` and `/` only (checked before). */
export function enc(segment: string): string {
  return segment.split("/").map(encodeURIComponent).join("/");
}

/** Offline, and this read was never kept on the device. */
export function notKept(path: string): ApiError {
  return new ApiError("not-kept", 0, `the server cannot be reached and ${path} was not kept on this device`);
}
