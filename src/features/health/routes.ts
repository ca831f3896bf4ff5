import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { presentedAccessToken, requireAuth } from "../../auth/authenticate";
import type { AppEnv } from "../../http/app-env";
import { createRouter, json, problem } from "../../http/router";
import { logger } from "../../platform/logger";
import { dependencyReport } from "./dependencies";

const Dependency = z
  .object({
    policy: z.enum(["fail-closed", "fail-open", "failover-then-queue"]),
    state: z.enum(["closed", "open", "half_open"]),
    failures: z.number().int(),
    consecutiveFailures: z.number().int(),
    timeouts: z.number().int(),
    successes: z.number().int().openapi({
      description:
        "Successes reported to the breaker (the first after faults, and probes): healthy calls report nothing",
    }),
    opened: z.number().int(),
    lastFailureAt: z.string().nullable(),
    lastSuccessAt: z.string().nullable(),
    lastTransitionAt: z.string().nullable(),
    openedAt: z.string().optional(),
    retryAt: z.string().optional(),
  })
  .openapi("DependencyBreaker");

const Health = z
  .object({
    status: z.string(),
    checks: z.record(z.string(), z.string()).optional(),
    dependencies: z.record(z.string(), Dependency).optional().openapi({
      description:
        "Platform staff only (a signed-in caller holding a platform role): each outbound dependency's circuit breaker and its declared policy",
    }),
    degraded: z.array(z.string()).optional().openapi({
      description: "Platform staff only: the dependencies whose breaker is not closed (their policy applies)",
    }),
  })
  .openapi("Health");

/**
 * Whether the caller is signed-in platform staff (any platform role; cookie or bearer), checked as every signed-in
 * route checks it. Anyone else — anonymous, a plain user, a bad or revoked token — gets the public answer,
 * never a 401: readiness probes send no credentials.
 */
async function isPlatformStaff(c: Context<AppEnv>): Promise<boolean> {
  try {
    if (!presentedAccessToken(c)) return false;
    let authenticated = false;
    await requireAuth()(c, async () => {
      authenticated = true;
    });
    return authenticated && (c.var.auth?.platformRoles.length ?? 0) > 0;
  } catch {
    return false;
  }
}

const live = createRoute({
  method: "get",
  path: "/health",
  tags: ["Operations"],
  summary: "Liveness",
  responses: { 200: json(Health, "The Worker answers") },
});

const ready = createRoute({
  method: "get",
  path: "/health/ready",
  tags: ["Operations"],
  summary: "Readiness: D1 and KV reachable, and a configuration production accepts",
  description:
    "Platform staff (signed in, any platform role) also get `dependencies`, each outbound dependency's circuit breaker and policy, and `degraded`, those not closed: an open breaker never makes readiness fail (its policy handles it).",
  responses: {
    200: json(Health, "Ready"),
    503: {
      description:
        "A dependency is unreachable (Health), or the configuration is refused (problem+json `misconfigured`, the reason in the log)",
      content: { ...json(Health, "").content, ...problem("").content },
    },
  },
});

export function healthRoutes() {
  return createRouter()
    .openapi(live, (c) => c.json({ status: "ok" }, 200))
    .openapi(ready, async (c) => {
      const checks: Record<string, string> = {};
      await Promise.all([
        c.env.DB.prepare("SELECT 1")
          .first()
          .then(
            () => {
              checks.d1 = "ok";
            },
            (error) => {
              logger.error("readiness: D1 unreachable", { error });
              checks.d1 = "unreachable";
            },
          ),
        c.env.KV.get("health:probe").then(
          () => {
            checks.kv = "ok";
          },
          (error) => {
            logger.error("readiness: KV unreachable", { error });
            checks.kv = "unreachable";
          },
        ),
      ]);
      const ok = Object.values(checks).every((v) => v === "ok");
      const detail = (await isPlatformStaff(c)) ? await dependencyReport(c.var.ctx) : null;
      const extra = detail
        ? {
            dependencies: detail.dependencies,
            ...(detail.degraded.length ? { degraded: detail.degraded } : {}),
          }
        : {};
      c.header("Cache-Control", "no-store");
      return ok
        ? c.json({ status: "ready", checks, ...extra }, 200)
        : c.json({ status: "unavailable", checks, ...extra }, 503);
    });
}
