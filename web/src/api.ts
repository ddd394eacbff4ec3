/**
 * The console's one way to the server: JSON over fetch with the session cookie. A refusal
 * comes back as {error:{code,message,field}} and is thrown as an ApiError carrying the
 * French message and the field at fault, so forms can show it beside that field.
 */
import type { ErrorCode } from "../../src/platform/errors.ts";

/**
 * What a refusal is called: the server's error codes (the one list, src/platform/errors.ts), or what the
 * console says itself: no answer (NETWORK), an answer without a code (HTTP), its own fault (CLIENT).
 */
export type ApiErrorCode = ErrorCode | "NETWORK" | "HTTP" | "CLIENT";

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly field: string | undefined;
  readonly status: number;
  /** The server's outcome when it refused but recorded something (a proof kept on file: PROOF_REFUSED). */
  readonly outcome: string | undefined;
  constructor(status: number, code: ApiErrorCode, message: string, field?: string, outcome?: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field;
    this.outcome = outcome;
  }
}

/** Called when the server says the session is gone, so the shell can show the login page. */
let onUnauthenticated: () => void = () => {};
export const setUnauthenticatedHandler = (f: () => void) => {
  onUnauthenticated = f;
};

/** A key per user action: a retry of the same action (double click, network hiccup) is not run twice. */
export const newIdempotencyKey = (): string =>
  typeof crypto !== "undefined" && "randomUUID" in crypto
    ? crypto.randomUUID()
    : `${Date.now()}-${Math.random().toString(16).slice(2)}`;

interface RequestOptions {
  idempotencyKey?: string | undefined;
  signal?: AbortSignal | undefined;
}

async function parse(res: Response): Promise<unknown> {
  const type = res.headers.get("content-type") ?? "";
  if (res.status === 204) return null;
  if (type.includes("application/json")) return res.json();
  return res.text();
}

async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  opts: RequestOptions = {},
): Promise<T> {
  // The API refuses cookie-authenticated writes without this header (CSRF guard, docs/api.md).
  const headers: Record<string, string> = { accept: "application/json", "x-requested-with": "ecart" };
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body);
  }
  if (opts.idempotencyKey) headers["idempotency-key"] = opts.idempotencyKey;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: payload ?? null,
      credentials: "same-origin",
      signal: opts.signal ?? null,
    });
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    throw new ApiError(0, "NETWORK", "Le serveur ne répond pas. Vérifiez la connexion puis réessayez.");
  }
  const data = await parse(res);
  if (!res.ok) {
    const answer = data as {
      error?: { code?: ErrorCode; message?: string; field?: string };
      outcome?: string;
    } | null;
    const err = answer?.error;
    if (res.status === 401 && !path.endsWith("/session")) onUnauthenticated();
    throw new ApiError(
      res.status,
      err?.code ?? "HTTP",
      err?.message ?? `Le serveur a refusé la demande (${res.status}).`,
      err?.field ?? undefined,
      answer?.outcome,
    );
  }
  return data as T;
}

export const api = {
  get: <T>(path: string, opts?: RequestOptions) => request<T>("GET", path, undefined, opts),
  post: <T>(path: string, body?: unknown, opts?: RequestOptions) =>
    request<T>("POST", path, body ?? {}, opts),
  del: <T>(path: string, opts?: RequestOptions) => request<T>("DELETE", path, undefined, opts),
};

/** A query string from the defined, non-empty values. */
export function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== "") u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : "";
}
