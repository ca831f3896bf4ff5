import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { createContext } from "../../platform/context";
import type { Deps } from "../../platform/deps";
import type { AppEnv } from "../app-env";
import { clientInfo } from "../client-info";

/** Builds the request context once per request (after the config middleware): services take `c.var.ctx`. */
export function requestContext(deps: Deps) {
  return createMiddleware<AppEnv>(async function setRequestContext(c, next) {
    c.set(
      "ctx",
      createContext(deps, {
        env: c.env,
        config: c.var.config,
        client: clientInfo(c.req.raw, c.var.clientIp, c.var.config),
        waitUntil: (work) => executionContext(c)?.waitUntil(work),
      }),
    );
    await next();
  });
}

/** Hono throws when the runtime gave no ExecutionContext (a test calling app.fetch without one). */
function executionContext(c: Context): { waitUntil(work: Promise<unknown>): void } | undefined {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}
