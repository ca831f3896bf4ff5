/**
 * Bench-only route of `bench/binding.mjs` (issue 18 "Must show": the binding check's cost per request), served
 * by bench/bench-worker.ts under `wrangler dev`, never deployed. Times inside the Worker, per call over many
 * rounds: the edge check of an access token's `bnd` claim (auth/session-binding.ts `checkRequestBinding`) under
 * each policy and outcome, beside the baseline every authenticated request already pays — the access token's
 * signature verification (`verifyAccessToken`, ES256) — and the refresh path's plain check and claim minting.
 * None of these touch storage (the integration test counts the KV and D1 calls of a request).
 */
import { issueAccessToken, verifyAccessToken } from "../src/auth/access-tokens";
import {
  type BindingPolicy,
  bindingClaim,
  bindingOf,
  checkBinding,
  checkRequestBinding,
} from "../src/auth/session-binding";
import type { ClientInfo } from "../src/platform/client";
import { type Env, parseConfig } from "../src/platform/config";
import { createContext } from "../src/platform/context";
import { defaultDeps } from "../src/platform/deps";
import { accessClaims } from "../test/support/claims";

const SAFARI_IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1";
const CHROME_WINDOWS =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

const HOME: ClientInfo = {
  ip: "203.0.113.7",
  userAgent: SAFARI_IPHONE,
  country: "DE",
  city: "Berlin",
  asn: 64500,
  latitude: null,
  longitude: null,
  device: "Safari on iOS",
};

async function perCall(rounds: number, fn: () => unknown): Promise<number> {
  for (let i = 0; i < 50; i++) await fn(); // warm up: JIT, the cached HMAC key
  const started = performance.now();
  for (let i = 0; i < rounds; i++) await fn();
  return (performance.now() - started) / rounds;
}

export async function bindingBenchRoute(request: Request, env: Env): Promise<Response | undefined> {
  const url = new URL(request.url);
  if (url.pathname !== "/__bench/binding") return undefined;
  const parsed = parseConfig(env);
  if (!parsed.ok) return new Response(parsed.reasons.join("\n"), { status: 503 });
  const config = parsed.config;
  const key = config.ENCRYPTION_KEYS[0];
  if (!key) return new Response("no ENCRYPTION_KEYS", { status: 503 });
  const rounds = Number(url.searchParams.get("rounds") ?? 2000);
  const sid = "bench-session";
  const binding = bindingOf(HOME);
  const bnd = await bindingClaim(key, sid, binding);
  const ctx = createContext(defaultDeps, { env, config, client: HOME });
  const { token } = await issueAccessToken(
    config,
    { ...defaultDeps, kv: env.KV },
    "bench-user",
    accessClaims(sid, { auth_time: Math.floor(Date.now() / 1000), bnd }),
  );
  const now = Date.now();
  const configs = {
    mobile: { ...config, SESSION_BINDING: "mobile" as const },
    strict: { ...config, SESSION_BINDING: "strict" as const },
    off: { ...config, SESSION_BINDING: "off" as const },
  };
  const edge = (policy: BindingPolicy, client: ClientInfo) => {
    const at = { config: configs[policy], client };
    const access = { sid, bnd };
    return async () => (await checkRequestBinding(at, access)).ok;
  };
  const cell: ClientInfo = { ...HOME, ip: "203.0.114.9" };
  const abroad: ClientInfo = { ...HOME, ip: "192.0.2.1", asn: 64999, country: "BR" };
  const thief: ClientInfo = { ...HOME, userAgent: CHROME_WINDOWS };
  const result = {
    rounds,
    // The baseline: what every authenticated request already pays in CPU (ES256 verification and claim checks).
    verifyMs: await perCall(rounds, () => verifyAccessToken(ctx, token, now)),
    mobileMs: await perCall(rounds, edge("mobile", HOME)),
    mobileMovedMs: await perCall(rounds, edge("mobile", cell)),
    mobileAbroadMs: await perCall(rounds, edge("mobile", abroad)),
    strictMs: await perCall(rounds, edge("strict", HOME)),
    mismatchMs: await perCall(rounds, edge("mobile", thief)),
    offMs: await perCall(rounds, edge("off", thief)),
    refreshCheckMs: await perCall(rounds, () => checkBinding("mobile", binding, bindingOf(cell))),
    mintMs: await perCall(rounds, () => bindingClaim(key, sid, binding)),
    claimLength: bnd.length,
    outcomes: {
      mobile: await edge("mobile", HOME)(),
      mobileMoved: await edge("mobile", cell)(),
      mobileAbroad: await edge("mobile", abroad)(),
      strictMoved: await edge("strict", cell)(),
      mismatch: await edge("mobile", thief)(),
    },
  };
  return Response.json(result);
}
