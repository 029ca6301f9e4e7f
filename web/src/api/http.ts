// Calls to the kluis API on this same origin. Every error the server gives
// is RFC 9457 problem+json; it becomes an ApiError with the problem's kind
// (the last part of its `type`), which the screens turn into plain words.

import { idempotencyKey, retryWrite, transient } from "./write_retry";

export interface ProblemBody {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
}

export class ApiError extends Error {
  constructor(
    /** e.g. "invite-used"; "network" when the server could not be reached. */
    readonly kind: string,
    readonly status: number,
    detail: string,
  ) {
    super(detail);
  }
}

const PREFIX = "urn:kluis:problem:";

type Method = "GET" | "POST" | "PUT" | "DELETE";

/**
 * One call. A write gets one `Idempotency-Key` for all its attempts and is
 * sent again when its answer was lost or the server was unavailable
 * (`write_retry.ts`), so a person's action takes effect exactly once.
 */
export function call<T>(method: Method, path: string, options: { token?: string; body?: unknown } = {}): Promise<T> {
  const token = options.token;
  return callAs<T>(method, path, { body: options.body, token: token === undefined ? undefined : () => token });
}

/** The login expired: worth logging in again. A token the server does not
 *  know ("unauthenticated") was ended on purpose (`kluis sessions end`, the
 *  sessions screen, an administrator): logging in again behind the person's
 *  back would undo that, so it is not retried (`keys/op.ts` locks instead). */
export const EXPIRED = ["token-expired"];

/**
 * `call` with the token read at each attempt, and `renew` (when given) run
 * once when the server says the login is no longer good, after which the
 * same attempt is sent again with the new token and the same key (as
 * `Http::authed_once` of the CLI): a write retried after a lost answer is
 * still done once when the login ran out in between.
 */
export async function callAs<T>(
  method: Method,
  path: string,
  options: { token?: (() => string) | undefined; body?: unknown; renew?: () => Promise<void> },
): Promise<T> {
  const key = method === "GET" ? null : idempotencyKey();
  const attempt = async () => {
    try {
      return await once<T>(method, path, { token: options.token?.(), body: options.body }, key);
    } catch (e) {
      if (!options.renew || !(e instanceof ApiError) || !EXPIRED.includes(e.kind)) throw e;
      await options.renew();
      return once<T>(method, path, { token: options.token?.(), body: options.body }, key);
    }
  };
  if (key === null) return attempt();
  return retryWrite(attempt, (e) => e instanceof ApiError && transient(e));
}

async function once<T>(
  method: Method,
  path: string,
  options: { token?: string; body?: unknown },
  key: string | null,
): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (key !== null) headers["Idempotency-Key"] = key;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
    });
  } catch {
    throw new ApiError("network", 0, "the server could not be reached");
  }
  if (!response.ok) {
    let problem: ProblemBody = {};
    try {
      problem = (await response.json()) as ProblemBody;
    } catch {
      // not problem+json: keep the status
    }
    const kind = problem.type?.startsWith(PREFIX)
      ? problem.type.slice(PREFIX.length)
      : `http-${response.status}`;
    throw new ApiError(kind, response.status, problem.detail ?? response.statusText);
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}
