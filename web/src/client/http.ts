/**
 * The kluis API as the client in the key worker calls it, with the session's
 * bearer token (mirrors `vault/src/client/http.rs`). Calls go to the
 * session's origin by absolute URL, so the same code runs in the worker and
 * in Node. Errors are `ApiError`s with the server's problem kind; the page
 * logs in again on "token-expired" or "unauthenticated" and hands the
 * worker the new token (`setSession`).
 */
import { call } from "../api/http";

export class Api {
  constructor(
    /** The server's origin, e.g. "https://kluis.example". */
    readonly origin: string,
    public token: string,
  ) {}

  get<T>(path: string): Promise<T> {
    return call<T>("GET", this.origin + path, { token: this.token });
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return call<T>("POST", this.origin + path, { token: this.token, body });
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return call<T>("PUT", this.origin + path, { token: this.token, body });
  }
}

/** A path segment or field path in a URL: paths are `a-z0-9-` and `/` only (checked before). */
export function enc(segment: string): string {
  return segment.split("/").map(encodeURIComponent).join("/");
}
