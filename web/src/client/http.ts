/**
 * The kluis API as the client in the key worker calls it, with the session's
 * bearer token (mirrors `vault/src/client/http.rs`). Calls go to the
 * session's origin by absolute URL, so the same code runs in the worker and
 * in Node. Errors are `ApiError`s with the server's problem kind. When the
 * server says the login ran out, `renew` (if given) logs in again with the
 * worker's keys and the same attempt is sent again, with the same
 * idempotency key for a write (`api/http.ts`, `callAs`).
 */
import { callAs } from "../api/http";

export class Api {
  constructor(
    /** The server's origin, e.g. "https://kluis.example". */
    readonly origin: string,
    public token: string,
    /** A new token, when the server refuses this one. */
    private readonly renew?: () => Promise<string>,
  ) {}

  private send<T>(method: "GET" | "POST" | "PUT", path: string, body?: unknown): Promise<T> {
    const renew = this.renew;
    return callAs<T>(method, this.origin + path, {
      token: () => this.token,
      body,
      ...(renew ? { renew: async () => void (this.token = await renew()) } : {}),
    });
  }

  get<T>(path: string): Promise<T> {
    return this.send<T>("GET", path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.send<T>("POST", path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.send<T>("PUT", path, body);
  }
}

/** A path segment or field path in a URL: paths are `a-z0-9-` and `/` only (checked before). */
export function enc(segment: string): string {
  return segment.split("/").map(encodeURIComponent).join("/");
}
