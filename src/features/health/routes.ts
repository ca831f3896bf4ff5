import { createRoute, z } from "@hono/zod-openapi";
import { createRouter, json, problem } from "../../http/router";
import { logger } from "../../platform/logger";

const Health = z
  .object({ status: z.string(), checks: z.record(z.string(), z.string()).optional() })
  .openapi("Health");

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
      c.header("Cache-Control", "no-store");
      return ok ? c.json({ status: "ready", checks }, 200) : c.json({ status: "unavailable", checks }, 503);
    });
}
