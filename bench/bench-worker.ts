/**
 * The Gatehouse Worker plus two benchmark-only routes, run by `npm run bench` under `wrangler dev`
 * (never deployed): `/__bench/noop` (the request round trip alone) and `/__bench/hash` (one Argon2id hash at the
 * configured parameters). Everything else goes to the real Worker.
 */

import { Hono } from "hono";
import { DEFAULT_ARGON2_PARAMS, hashPassword } from "../src/crypto/password";
import { defaultDeps } from "../src/deps";
import type { EmailQueueMessage } from "../src/email/types";
import type { AppEnv, Env } from "../src/env";
import worker from "../src/index";
import { requireAuth } from "../src/middleware/auth";
import { clientIp } from "../src/middleware/client-ip";
import { configMiddleware } from "../src/middleware/config";
import { securityHeaders } from "../src/middleware/security-headers";
import { IoMeter } from "./io-meter";

/**
 * Two routes behind the same middleware stack, one of them authenticated with the real `requireAuth`
 * (JWT verification + the KV revocation check): their throughput ratio is the cost of authentication.
 */
const authBench = new Hono<AppEnv>()
  .use(clientIp(), securityHeaders(), configMiddleware())
  .get("/__bench/plain", (c) => c.json({ ok: true }))
  .get("/__bench/authed", requireAuth(defaultDeps), (c) => c.json({ ok: true, sub: c.var.auth.userId }));

export { RateLimiter } from "../durable-objects/rate-limiter";

export default {
  fetch: handle,
  queue: worker.queue,
  scheduled: worker.scheduled,
} satisfies ExportedHandler<Env, EmailQueueMessage>;

async function handle(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  {
    const url = new URL(request.url);
    if (url.pathname === "/__bench/noop") return new Response("ok");
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
        DB: meter.wrap(env.DB, "d1"),
        KV: meter.wrap(env.KV, "kv"),
        RATE_LIMITER: meter.wrap(env.RATE_LIMITER, "do"),
        EMAIL_QUEUE: meter.wrap(env.EMAIL_QUEUE, "queue"),
      };
      // Buffer the body first: its arrival over the local proxy is network time, not the Worker's CPU.
      const body =
        request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
      const inner = new Request(new URL(url.pathname.slice("/__bench/metered".length) + url.search, url), {
        method: request.method,
        headers: request.headers,
        body,
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
      });
    }
    if (url.pathname === "/__bench/plain" || url.pathname === "/__bench/authed") {
      return authBench.fetch(request, env, ctx);
    }
    return worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, env, ctx);
  }
}
