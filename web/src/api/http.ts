// Calls to the kluis API on this same origin. Every error the server gives
// is RFC 9457 problem+json; it becomes an ApiError with the problem's kind
// (the last part of its `type`), which the screens turn into plain words.

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

/** A fresh idempotency key: a retried write is done at most once. */
function idempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function call<T>(
  method: "GET" | "POST" | "PUT" | "DELETE",
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["Idempotency-Key"] = idempotencyKey();
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
