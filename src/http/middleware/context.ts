import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { RequestD1, runWithRequestD1 } from "../../db/client";
import { createContext } from "../../platform/context";
import type { Deps } from "../../platform/deps";
import type { AppEnv } from "../app-env";
import { clientInfo } from "../client-info";
import { d1StartOf, handBookmark } from "./d1-bookmark";

/**
 * Builds the request context once per request (after the config middleware): services take `c.var.ctx`. The
 * rest of the request runs in its own D1 session (db/client.ts), opened at the first query only — where it
 * starts is decided then (d1-bookmark.ts) — and its bookmark goes back to the client with the response.
 */
export function requestContext(deps: Deps) {
  return createMiddleware<AppEnv>(async function setRequestContext(c, next) {
    const d1 = new RequestD1(c.env.DB, () => d1StartOf(c));
    c.set(
      "ctx",
      createContext(deps, {
        env: c.env,
        config: c.var.config,
        client: clientInfo(c.req.raw, c.var.clientIp, c.var.config),
        waitUntil: (work) => executionContext(c)?.waitUntil(work),
        d1,
      }),
    );
    await runWithRequestD1(d1, next);
    handBookmark(c, d1);
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
