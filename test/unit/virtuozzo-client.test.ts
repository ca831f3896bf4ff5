import { describe, expect, it } from "vitest";
import { createFakeVirtuozzo } from "../../src/features/dev/fake-virtuozzo";
import { checksign, getaccount, getuserinfo, signin, signout } from "../../src/features/virtuozzo/client";

const API = "https://app.jelastic.example";

function world() {
  const fake = createFakeVirtuozzo();
  const seen: Request[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    seen.push(request.clone());
    return fake.handle(request);
  };
  return { fake, seen, deps: { fetch } };
}

describe("Virtuozzo client", () => {
  it("signs in with a form POST and reads the account with query GETs", async () => {
    const { deps, seen } = world();
    const r = await signin(deps, API, { login: "dev@example.com", password: "dev-virtuozzo-password" });
    expect(r.kind).toBe("ok");
    const session = r.kind === "ok" ? r.value.session : "";
    const req = seen[0];
    expect(req?.method).toBe("POST");
    expect(req?.url).toBe(`${API}/1.0/users/authentication/rest/signin`);
    expect(req?.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(await req?.text()).toBe("login=dev%40example.com&password=dev-virtuozzo-password");

    expect(await checksign(deps, API, session)).toEqual({ kind: "ok", value: null });
    expect(await getaccount(deps, API, session)).toEqual({ kind: "ok", value: { groupType: "billing" } });
    expect(await getuserinfo(deps, API, session)).toEqual({ kind: "ok", value: { uid: "1001" } });
    const info = new URL(seen[3]?.url ?? "");
    expect(info.pathname).toBe("/1.0/users/account/rest/getuserinfo");
    expect(info.searchParams.get("appid")).toBe("cluster");
    expect(seen[1]?.method).toBe("GET");
    expect(new URL(seen[1]?.url ?? "").searchParams.get("session")).toBe(session);

    expect(await signout(deps, API, session)).toEqual({ kind: "ok", value: null });
    expect(await checksign(deps, API, session)).toEqual({ kind: "rejected", code: 701 });
  });

  it("maps a refusal to rejected with the result code, never the provider's message", async () => {
    const { deps } = world();
    expect(await signin(deps, API, { login: "dev@example.com", password: "nope" })).toEqual({
      kind: "rejected",
      code: 702,
    });
    expect(await getaccount(deps, API, "unknown-session")).toEqual({ kind: "rejected", code: 8202 });
  });

  it("maps network errors, 5xx, non-JSON answers and timeouts to unavailable", async () => {
    const { deps, fake } = world();
    const credential = { login: "dev@example.com", password: "dev-virtuozzo-password" };
    fake.config.failure = "unreachable";
    expect(await signin(deps, API, credential)).toEqual({ kind: "unavailable", reason: "network" });
    fake.config.failure = "http_500";
    expect(await signin(deps, API, credential)).toEqual({ kind: "unavailable", reason: "http_status" });
    fake.config.failure = "bad_json";
    expect(await signin(deps, API, credential)).toEqual({ kind: "unavailable", reason: "bad_json" });
    const json500: typeof fetch = async () => Response.json({ result: 0 }, { status: 503 });
    expect(await checksign({ fetch: json500 }, API, "k")).toEqual({
      kind: "unavailable",
      reason: "http_status",
    });
    const noSession: typeof fetch = async () => Response.json({ result: 0 });
    expect(await signin({ fetch: noSession }, API, credential)).toEqual({
      kind: "unavailable",
      reason: "bad_json",
    });
    const hang: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)),
      );
    expect(await checksign({ fetch: hang, timeoutMs: 50 }, API, "k")).toEqual({
      kind: "unavailable",
      reason: "timeout",
    });
  });
});
