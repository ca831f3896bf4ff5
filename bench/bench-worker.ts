/**
 * The Gatehouse Worker plus two benchmark-only routes, run by `npm run bench` under `wrangler dev`
 * (never deployed): `/__bench/noop` (the request round trip alone) and `/__bench/hash` (one Argon2id hash at the
 * configured parameters). Everything else goes to the real Worker.
 */

import { Hono } from "hono";
import { requireAuth } from "../src/auth/authenticate";
import { DEFAULT_ARGON2_PARAMS, hashPassword } from "../src/crypto/password";
import { RISK_BASELINE_LOGINS } from "../src/db/login-events";
import type { EmailQueueMessage } from "../src/email/types";
import { evaluateRisk, riskSettings } from "../src/features/login/risk/risk";
import { loginRiskSignals } from "../src/features/login/risk/signals";
import type { AppEnv } from "../src/http/app-env";
import { clientIp } from "../src/http/middleware/client-ip";
import { configMiddleware } from "../src/http/middleware/config";
import { requestContext } from "../src/http/middleware/context";
import { securityHeaders } from "../src/http/middleware/security-headers";
import worker from "../src/index";
import type { Env } from "../src/platform/config";
import { parseConfig } from "../src/platform/config";
import { defaultDeps } from "../src/platform/deps";
import { auditBenchRoute } from "./audit-worker-routes";
import { bindingBenchRoute } from "./binding-worker-routes";
import { IoMeter } from "./io-meter";

/**
 * Two routes behind the same middleware stack, one of them authenticated with the real `requireAuth`
 * (JWT verification + the KV revocation check): their throughput ratio is the cost of authentication.
 */
const authBench = new Hono<AppEnv>()
  .use(clientIp(), securityHeaders(), configMiddleware(), requestContext(defaultDeps))
  .get("/__bench/plain", (c) => c.json({ ok: true }))
  .get("/__bench/authed", requireAuth(), (c) => c.json({ ok: true, sub: c.var.auth.userId }));

// Every Durable Object class the Worker exports (wrangler.toml binds them all): a new one needs no edit here.
export * from "../src/index";

export default {
  fetch: handle,
  queue: worker.queue,
  scheduled: worker.scheduled,
} satisfies ExportedHandler<Env, EmailQueueMessage>;

async function handle(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  {
    const url = new URL(request.url);
    if (url.pathname === "/__bench/noop") return new Response("ok");
    if (url.pathname === "/__bench/risk-and-gate") return riskAndGate(env);
    if (url.pathname === "/__bench/in-worker") return inWorker(request, env, ctx);
    const audit = await auditBenchRoute(request, env);
    if (audit) return audit;
    const binding = await bindingBenchRoute(request, env);
    if (binding) return binding;
    if (url.pathname === "/__bench/hash") {
      const params = {
        memoryKiB: Number(env.ARGON2_MEMORY_KIB ?? DEFAULT_ARGON2_PARAMS.memoryKiB),
        iterations: Number(env.ARGON2_ITERATIONS ?? DEFAULT_ARGON2_PARAMS.iterations),
        parallelism: Number(env.ARGON2_PARALLELISM ?? DEFAULT_ARGON2_PARAMS.parallelism),
      };
      const started = performance.now();
      const phc = hashPassword("benchmark-password-1", params, (n) =>
        crypto.getRandomValues(new Uint8Array(n)),
      );
      const elapsed = performance.now() - started;
      return Response.json({ elapsed, length: phc.length });
    }
    if (url.pathname.startsWith("/__bench/metered/")) {
      // The real route, with its binding calls metered: answers the in-Worker wall and I/O-wait times.
      const meter = new IoMeter();
      const metered = {
        ...env,
        // D1 round trips also told primary from replica-eligible (docs/read-replicas.md).
        DB: meter.wrapD1(env.DB),
        KV: meter.wrap(env.KV, "kv"),
        RATE_LIMITER: meter.wrap(env.RATE_LIMITER, "do"),
        USER_SESSION_GATE: meter.wrap(env.USER_SESSION_GATE, "gate"),
        VIRTUOZZO_SESSION: meter.wrap(env.VIRTUOZZO_SESSION, "vz"),
        EMAIL_QUEUE: meter.wrap(env.EMAIL_QUEUE, "queue"),
      };
      // Buffer the body first: its arrival over the local proxy is network time, not the Worker's CPU.
      const body =
        request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
      const inner = new Request(new URL(url.pathname.slice("/__bench/metered".length) + url.search, url), {
        method: request.method,
        headers: request.headers,
        body,
        // The caller's network too (`cf`): the session binding compares it, as for any request.
        cf: request.cf,
      });
      const started = performance.now();
      const response = await handle(inner, metered, ctx);
      const text = await response.text();
      const wall = performance.now() - started;
      return Response.json({
        status: response.status,
        wall,
        io: meter.ioMs,
        body: text.slice(0, 4000),
        bindingSync: meter.bindingSyncMs,
        calls: meter.calls,
        methods: meter.methods,
        d1: meter.d1,
      });
    }
    if (url.pathname === "/__bench/plain" || url.pathname === "/__bench/authed") {
      return authBench.fetch(request, env, ctx);
    }
    return worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, env, ctx);
  }
}

/**
 * What issue 5 adds to a login: the suspicious-login check (a pure function over the baseline the login's own
 * D1 batch already reads — no extra round trip) and the single-session gate (one Durable Object call at
 * session-exchange). Timed here in isolation: the risk check over a full 50-login baseline, and a claim on a
 * user's gate followed by its release (the DO round trip, including local workerd's DO emulation).
 */
async function riskAndGate(env: Env): Promise<Response> {
  const now = Date.now();
  const successes = Array.from({ length: RISK_BASELINE_LOGINS }, (_, i) => ({
    at: now - (i + 1) * 3_600_000,
    country: i % 3 === 0 ? "DE" : "FR",
    asn: 3320 + (i % 5),
    latitude: 52.52 - i * 0.01,
    longitude: 13.4 + i * 0.01,
  }));
  // The risk engine (features/login/risk/risk.ts) at the default settings, every reason on.
  const parsed = parseConfig(env);
  if (!parsed.ok) return Response.json({ error: parsed.reasons }, { status: 503 });
  const settings = riskSettings(parsed.config);
  const failures = Array.from({ length: 7 }, (_, i) => ({ at: now - i * 60_000 }));
  const rounds = 20_000;
  let fired = 0;
  // Per login: the signals built from the 50-login baseline, then the evaluation.
  const riskStart = performance.now();
  for (let i = 0; i < rounds; i++) {
    const signals = loginRiskSignals({
      now: now + i,
      client: { country: i % 2 ? "US" : "DE", asn: i % 3 ? 7922 : 16509, latitude: 40.7, longitude: -74 },
      successes,
      failures: failures.slice(0, i % 7),
      networkFailures: i % 60,
      newDevice: i % 2 === 0,
    });
    fired += evaluateRisk(signals, settings).reasons.length;
  }
  const riskMs = (performance.now() - riskStart) / rounds;
  // evaluateRisk alone on prepared signals (what a session's binding check pays), beside a baseline loop that
  // JSON-serialises and parses the same signals object (work every request does on data of this size): their
  // ratio says what the evaluation costs next to merely handling its input.
  const prepared = loginRiskSignals({
    now,
    client: { country: "US", asn: 16509, latitude: 40.7, longitude: -74 },
    successes,
    failures,
    networkFailures: 10,
    newDevice: true,
  });
  const evalStart = performance.now();
  for (let i = 0; i < rounds; i++) fired += evaluateRisk(prepared, settings).score > 0 ? 1 : 0;
  const evaluateMs = (performance.now() - evalStart) / rounds;
  let copied = 0;
  const baseStart = performance.now();
  for (let i = 0; i < rounds; i++)
    copied += (JSON.parse(JSON.stringify(prepared)) as { hour: number }).hour + 1;
  const baselineMs = (performance.now() - baseStart) / rounds;

  const gate = env.USER_SESSION_GATE.get(env.USER_SESSION_GATE.idFromName(`bench:${crypto.randomUUID()}`));
  const walls: number[] = [];
  for (let i = 0; i < 40; i++) {
    const sid = `bench-${i}`;
    const started = performance.now();
    await gate.claim(sid, Date.now() + 3_600_000, Date.now(), { replace: true, allowMultiple: false });
    walls.push(performance.now() - started);
    await gate.release(sid);
  }
  walls.sort((a, b) => a - b);
  return Response.json({
    riskMs,
    evaluateMs,
    baselineMs,
    fired: fired + (copied > 0 ? 0 : 1),
    gateClaimMs: walls[Math.floor(walls.length / 2)],
  });
}

/**
 * A page (or any GET route) served `n` times inside this Worker, back to back, with the caller's headers: the
 * in-Worker time per request without the local HTTP proxy's overhead, and the time spent waiting on bindings
 * (metered like `/__bench/metered`), so pages.mjs can state the render's own CPU (issue 16: ≤ 5 ms).
 */
async function inWorker(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const url = new URL(request.url);
  const path = url.searchParams.get("path") ?? "/health";
  const n = Math.min(200, Math.max(1, Number(url.searchParams.get("n") ?? 50)));
  const meter = new IoMeter();
  const metered = { ...env, DB: meter.wrap(env.DB, "d1"), KV: meter.wrap(env.KV, "kv") };
  const headers = new Headers(request.headers);
  let status = 0;
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const res = await worker.fetch(
      // The caller's `cf` too: the session binding compares the network, as for the outer request.
      new Request(new URL(path, url), { headers, cf: request.cf }) as Request<
        unknown,
        IncomingRequestCfProperties
      >,
      metered as Env,
      ctx,
    );
    await res.arrayBuffer();
    status = res.status;
  }
  const wall = (performance.now() - started) / n;
  return Response.json({ status, n, perRequestMs: wall, ioMsPerRequest: meter.ioMs / n });
}
