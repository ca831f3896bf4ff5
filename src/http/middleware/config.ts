import { createMiddleware } from "hono/factory";
import { parseConfig } from "../../platform/config";
import { AuthError } from "../../platform/errors";
import { logger } from "../../platform/logger";
import type { AppEnv } from "../app-env";

/**
 * Validates vars and secrets on the request path: a misconfigured deploy answers 503 `misconfigured` naming
 * the variables at fault (never their values), instead of crashing at import.
 */
export function configMiddleware() {
  return createMiddleware<AppEnv>(async function config(c, next) {
    const result = parseConfig(c.env);
    if (!result.ok) {
      logger.error("configuration invalid", { variables: result.variables });
      throw new AuthError("misconfigured", {
        detail: `The service is not configured correctly: ${result.variables.join(", ")}.`,
        extra: { variables: result.variables },
      });
    }
    c.set("config", result.config);
    await next();
  });
}
