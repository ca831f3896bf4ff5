import { createMiddleware } from "hono/factory";
import { parseConfig } from "../../platform/config";
import { AuthError } from "../../platform/errors";
import { logger } from "../../platform/logger";
import type { AppEnv } from "../app-env";

/**
 * Validates vars and secrets on the request path: a misconfigured deploy answers 503 `misconfigured` on every
 * route (`/health/ready` included) instead of crashing at import. The log names the variables at fault and why
 * (never their values); so does the answer in development and test, while a production answer names nothing:
 * which secret is weak is for the operator, not for whoever asks.
 */
export function configMiddleware() {
  return createMiddleware<AppEnv>(async function config(c, next) {
    const result = parseConfig(c.env);
    if (!result.ok) {
      logger.error("configuration invalid", {
        environment: c.env.ENVIRONMENT ?? null,
        variables: result.variables,
        reasons: result.reasons,
      });
      const development = c.env.ENVIRONMENT === "development" || c.env.ENVIRONMENT === "test";
      throw new AuthError(
        "misconfigured",
        development
          ? {
              detail: `The service is not configured correctly: ${result.variables.join(", ")}.`,
              extra: { variables: result.variables },
            }
          : {},
      );
    }
    c.set("config", result.config);
    await next();
  });
}
