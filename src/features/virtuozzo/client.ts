import type { RequestContext } from "../../platform/context";
import { type BreakerContext, callDependency, DependencyUnavailable } from "../../platform/outbound/breaker";
import { DEPENDENCY_POLICIES, virtuozzoDependency } from "../../platform/outbound/policies";

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
 * - `unavailable`: network error, timeout, HTTP 5xx or another non-JSON answer, or the host's circuit breaker open
 *   (fail closed: the callers answer `virtuozzo_unavailable`; platform/outbound/policies.ts).
 */
export type VzFailure =
  | { kind: "rejected"; code: number }
  | { kind: "unavailable"; reason: "network" | "timeout" | "http_status" | "bad_json" | "breaker_open" };
export type VzResult<T> = { kind: "ok"; value: T } | VzFailure;

export interface VzClientDeps {
  fetch: typeof fetch;
  /** Per-call timeout (default 8 s: a sign-in plus getaccount stay inside the 20 s refresh lease). */
  timeoutMs?: number;
  /**
   * Every call goes through the circuit breaker of its host (`virtuozzo:<host>`, platform/outbound/breaker.ts):
   * while it is open the call answers `unavailable` (`breaker_open`) at once. Absent only in the unit tests of the
   * wire format (test/unit/virtuozzo-client.test.ts); services pass `vzDeps(ctx)`.
   */
  breaker?: BreakerContext;
}

export const VZ_CALL_TIMEOUT_MS = DEPENDENCY_POLICIES.virtuozzo.timeoutMs;

/** The client's dependencies from a request context: its fetch, and the breakers. */
export function vzDeps(ctx: BreakerContext & Pick<RequestContext, "fetch">): VzClientDeps {
  return { fetch: ctx.fetch, breaker: ctx };
}

/** Each call's path and verb: sign-in and sign-out are form POSTs, the reads query GETs. */
const CALLS = {
  signin: { path: "/1.0/users/authentication/rest/signin", verb: "POST" },
  signout: { path: "/1.0/users/authentication/rest/signout", verb: "POST" },
  checksign: { path: "/1.0/users/authentication/rest/checksign", verb: "GET" },
  getuserinfo: { path: "/1.0/users/account/rest/getuserinfo", verb: "GET" },
  getaccount: { path: "/1.0/billing/account/rest/getaccount", verb: "GET" },
} as const;

type Answer = Record<string, unknown> & { result: number };

/** What came back over the wire: the status and the JSON body (`parsed: false` when it was not JSON). */
interface RawAnswer {
  status: number;
  ok: boolean;
  parsed: boolean;
  body: unknown;
}

/** An answer reduced to the typed result: `unavailable` is Virtuozzo's fault (the breaker counts it), `rejected` not. */
function classify(raw: RawAnswer): VzResult<Answer> {
  if (!raw.parsed) return { kind: "unavailable", reason: raw.ok ? "bad_json" : "http_status" };
  const answer = raw.body as Answer | null;
  if (raw.status >= 500) return { kind: "unavailable", reason: "http_status" };
  if (!raw.ok && answer?.result === 0) return { kind: "unavailable", reason: "http_status" };
  if (!answer || typeof answer !== "object" || typeof answer.result !== "number") {
    return { kind: "unavailable", reason: "bad_json" };
  }
  if (answer.result !== 0) return { kind: "rejected", code: answer.result };
  return { kind: "ok", value: answer };
}

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
  const timeoutMs = deps.timeoutMs ?? VZ_CALL_TIMEOUT_MS;
  const send = async (signal: AbortSignal): Promise<RawAnswer> => {
    const response = await deps.fetch(url.toString(), {
      method: verb,
      headers: {
        accept: "application/json",
        ...(verb === "POST" ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      ...(verb === "POST" ? { body: body.toString() } : {}),
      redirect: "manual",
      signal,
    });
    try {
      return { status: response.status, ok: response.ok, parsed: true, body: await response.json() };
    } catch {
      return { status: response.status, ok: response.ok, parsed: false, body: null };
    }
  };
  try {
    const raw = deps.breaker
      ? await callDependency(deps.breaker, virtuozzoDependency(apiUrl), send, {
          timeoutMs,
          isFault: (r) => classify(r).kind === "unavailable",
        })
      : await send(AbortSignal.timeout(timeoutMs));
    return classify(raw);
  } catch (error) {
    if (error instanceof DependencyUnavailable) {
      const reason = { open: "breaker_open", timeout: "timeout", failure: "network" } as const;
      return { kind: "unavailable", reason: reason[error.reason] };
    }
    const timeout = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    return { kind: "unavailable", reason: timeout ? "timeout" : "network" };
  }
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
