/**
 * The Virtuozzo (Jelastic) API client: the five calls Gatehouse makes, through the injected `fetch` (the real
 * network in production, the fake in tests and `npm run dev`). Calls are `https://<host>/1.0/<service>/<sub>/
 * rest/<method>`, form-encoded POST or query GET, answering JSON with `result` (0 = ok) and on error `error`,
 * `source` (public documentation; summarised in issue 15).
 *
 * Every answer is reduced to a typed result and nothing else leaves this module: never the provider's message,
 * never a credential or session key in a log or an error.
 * - `ok`: result 0;
 * - `rejected`: Virtuozzo answered and refused (any non-zero `result`, e.g. 8202 permission denied);
 * - `unavailable`: network error, timeout, HTTP 5xx or another non-JSON answer.
 */
export type VzFailure =
  | { kind: "rejected"; code: number }
  | { kind: "unavailable"; reason: "network" | "timeout" | "http_status" | "bad_json" };
export type VzResult<T> = { kind: "ok"; value: T } | VzFailure;

export interface VzClientDeps {
  fetch: typeof fetch;
  /** Per-call timeout (default 8 s: a sign-in plus getaccount stay inside the 20 s refresh lease). */
  timeoutMs?: number;
}

export const VZ_CALL_TIMEOUT_MS = 8_000;

/** Each call's path and verb: sign-in and sign-out are form POSTs, the reads query GETs. */
const CALLS = {
  signin: { path: "/1.0/users/authentication/rest/signin", verb: "POST" },
  signout: { path: "/1.0/users/authentication/rest/signout", verb: "POST" },
  checksign: { path: "/1.0/users/authentication/rest/checksign", verb: "GET" },
  getuserinfo: { path: "/1.0/users/account/rest/getuserinfo", verb: "GET" },
  getaccount: { path: "/1.0/billing/account/rest/getaccount", verb: "GET" },
} as const;

type Answer = Record<string, unknown> & { result: number };

async function call(
  deps: VzClientDeps,
  apiUrl: string,
  method: keyof typeof CALLS,
  params: Record<string, string>,
): Promise<VzResult<Answer>> {
  const { path, verb } = CALLS[method];
  const url = new URL(path, apiUrl);
  const body = new URLSearchParams(params);
  if (verb === "GET") url.search = body.toString();
  let response: Response;
  try {
    response = await deps.fetch(url.toString(), {
      method: verb,
      headers: {
        accept: "application/json",
        ...(verb === "POST" ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      ...(verb === "POST" ? { body: body.toString() } : {}),
      redirect: "manual",
      signal: AbortSignal.timeout(deps.timeoutMs ?? VZ_CALL_TIMEOUT_MS),
    });
  } catch (error) {
    const timeout = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    return { kind: "unavailable", reason: timeout ? "timeout" : "network" };
  }
  let answer: unknown;
  try {
    answer = await response.json();
  } catch {
    return { kind: "unavailable", reason: response.ok ? "bad_json" : "http_status" };
  }
  if (response.status >= 500) return { kind: "unavailable", reason: "http_status" };
  if (!response.ok && (answer as Answer | null)?.result === 0)
    return { kind: "unavailable", reason: "http_status" };
  if (!answer || typeof answer !== "object" || typeof (answer as Answer).result !== "number") {
    return { kind: "unavailable", reason: "bad_json" };
  }
  const result = (answer as Answer).result;
  if (result !== 0) return { kind: "rejected", code: result };
  return { kind: "ok", value: answer as Answer };
}

const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);

/** POST signin (`login`, `password`) → the new session key. */
export async function signin(
  deps: VzClientDeps,
  apiUrl: string,
  credential: { login: string; password: string },
): Promise<VzResult<{ session: string }>> {
  const r = await call(deps, apiUrl, "signin", { login: credential.login, password: credential.password });
  if (r.kind !== "ok") return r;
  const session = str(r.value.session);
  return session ? { kind: "ok", value: { session } } : { kind: "unavailable", reason: "bad_json" };
}

/** POST signout (`session`): ends a session key (never called with a personal access token). */
export async function signout(deps: VzClientDeps, apiUrl: string, session: string): Promise<VzResult<null>> {
  const r = await call(deps, apiUrl, "signout", { session });
  return r.kind === "ok" ? { kind: "ok", value: null } : r;
}

/** GET checksign?session= → ok while the key (or token) is valid; `rejected` once Virtuozzo refuses it. */
export async function checksign(
  deps: VzClientDeps,
  apiUrl: string,
  session: string,
): Promise<VzResult<null>> {
  const r = await call(deps, apiUrl, "checksign", { session });
  return r.kind === "ok" ? { kind: "ok", value: null } : r;
}

/** GET getuserinfo?session=&appid=cluster → the account's uid and email (validates a personal access token). */
export async function getuserinfo(
  deps: VzClientDeps,
  apiUrl: string,
  session: string,
): Promise<VzResult<{ uid: string | null }>> {
  const r = await call(deps, apiUrl, "getuserinfo", { session, appid: "cluster" });
  if (r.kind !== "ok") return r;
  const uid = r.value.uid;
  return {
    kind: "ok",
    value: { uid: typeof uid === "number" || typeof uid === "string" ? String(uid) : null },
  };
}

/** GET getaccount?session= → the billing account's `groupType` (`trial`, `billing`, …), null when absent. */
export async function getaccount(
  deps: VzClientDeps,
  apiUrl: string,
  session: string,
): Promise<VzResult<{ groupType: string | null }>> {
  const r = await call(deps, apiUrl, "getaccount", { session, appid: "cluster" });
  if (r.kind !== "ok") return r;
  const nested = r.value.account ?? r.value.object;
  const groupType =
    str(r.value.groupType) ??
    (nested && typeof nested === "object" ? str((nested as Record<string, unknown>).groupType) : null);
  return { kind: "ok", value: { groupType: groupType ? groupType.slice(0, 64) : null } };
}
