import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { except } from "hono/combine";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { SECURITY_SCHEMES } from "./auth/guards";
import { runOutsideRequestD1 } from "./db/client";
import { abusePages } from "./features/abuse/pages";
import { abuseRoutes } from "./features/abuse/routes";
import { accountPages } from "./features/account/pages";
import { accountRoutes } from "./features/account/routes";
import { bootstrapAdmin } from "./features/admin/bootstrap";
import { adminPages } from "./features/admin/pages";
import { adminUserRoutes } from "./features/admin/routes";
import { analyticsPages } from "./features/analytics/pages";
import { analyticsRoutes } from "./features/analytics/routes";
import { apiKeyPages } from "./features/api-keys/pages";
import { apiKeyRoutes } from "./features/api-keys/routes";
import { auditPages } from "./features/audit/pages";
import { auditRoutes } from "./features/audit/routes";
import { devMailboxRoutes } from "./features/dev/routes";
import { deviceRoutes } from "./features/devices/routes";
import { emailEventRoutes } from "./features/email-events/routes";
import { eventRoutes } from "./features/events/routes";
import { healthRoutes } from "./features/health/routes";
import { invitationPages } from "./features/invitations/pages";
import { invitationRoutes } from "./features/invitations/routes";
import { invitationTeamPages } from "./features/invitations/team-pages";
import { LOGIN_DECISION_FORM_PATHS, loginApprovalRoutes } from "./features/login/approval-routes";
import { mfaSetupPages } from "./features/login/pages/mfa-setup-pages";
import { loginPages } from "./features/login/pages/pages";
import { loginStepPages } from "./features/login/pages/step-pages";
import { loginRoutes } from "./features/login/routes";
import { metricsRoutes } from "./features/metrics/routes";
import { mfaRoutes } from "./features/mfa/routes";
import { ownershipPages } from "./features/ownership/pages";
import { ownershipRoutes } from "./features/ownership/routes";
import { passwordPages } from "./features/passwords/pages";
import { passwordRoutes } from "./features/passwords/routes";
import { billingPages } from "./features/plans/pages";
import { planRoutes } from "./features/plans/routes";
import { registrationPages } from "./features/registration/pages";
import { registrationRoutes, VERIFY_EMAIL_FORM_PATHS } from "./features/registration/routes";
import { rolePages } from "./features/roles/pages";
import { permissionRoutes } from "./features/roles/permissions-routes";
import { roleRoutes } from "./features/roles/routes";
import { endMismatchedSession } from "./features/sessions/binding-mismatch";
import { sessionRoutes } from "./features/sessions/routes";
import { signingKeyRoutes } from "./features/signing-keys/routes";
import { stepUpPages } from "./features/step-up/pages";
import { stepUpRoutes } from "./features/step-up/routes";
import { teamBudgetAdminPages } from "./features/team-budgets/admin-page";
import { teamBudgetRoutes } from "./features/team-budgets/routes";
import { teamPages } from "./features/teams/pages";
import { teamRoutes } from "./features/teams/routes";
import { userImportPages } from "./features/user-import/pages";
import { USER_IMPORT_PATH, userImportRoutes } from "./features/user-import/routes";
import { virtuozzoPages } from "./features/virtuozzo/pages";
import { virtuozzoRoutes } from "./features/virtuozzo/routes";
import { wellKnownRoutes } from "./features/well-known/routes";
import type { AppEnv } from "./http/app-env";
import { clientIp } from "./http/middleware/client-ip";
import { configMiddleware } from "./http/middleware/config";
import { requestContext } from "./http/middleware/context";
import { refuseUndeclaredBodies } from "./http/middleware/declared-body";
import { jsonBodyLimit, requireJsonContentType } from "./http/middleware/json-body";
import { requestLog } from "./http/middleware/request-log";
import { securityHeaders } from "./http/middleware/security-headers";
import { traceContext } from "./http/middleware/trace-context";
import { fieldErrors } from "./http/router";
import { createContext } from "./platform/context";
import type { Deps } from "./platform/deps";
import { AuthError, problemBody } from "./platform/errors";
import { logger } from "./platform/logger";
import { assetRoutes } from "./ui/assets";
import { DocsPage } from "./ui/docs-page";
import { renderPage } from "./ui/render";

const API_VERSION = "0.1.0";

export interface AppOptions {
  /** Create the `ADMIN_EMAIL` admin on the first request of the isolate (default true). */
  bootstrapAdmin?: boolean;
}

/**
 * Builds the Gatehouse HTTP app. Middleware order: request id → client IP → request log → security headers →
 * config (503 if invalid) → request context (and the request's D1 session, docs/read-replicas.md) → CORS →
 * admin bootstrap (once) → JSON body rules on /api/* → routes.
 */
export function createApp(deps: Deps, options: AppOptions = {}) {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw AuthError.validation(fieldErrors(result.error.issues));
    },
  });

  app.use(requestId({ limitLength: 64 }));
  app.use(traceContext(deps.random));
  app.use(clientIp());
  app.use(requestLog(deps.now));
  app.use(securityHeaders());
  app.use(configMiddleware());
  app.use(requestContext(deps));
  // What requireAuth does with an access token that broke its session's binding (auth/ does not import features/).
  app.use(async function sessionBindingEffect(c, next) {
    c.set("onBindingMismatch", endMismatchedSession);
    await next();
  });
  app.use(
    "/api/*",
    cors({
      origin: (origin, c: Context<AppEnv>) => (c.var.config.CORS_ORIGINS.includes(origin) ? origin : null),
      credentials: true,
      allowHeaders: [
        "Content-Type",
        "Authorization",
        "X-CSRF-Token",
        "Idempotency-Key",
        "Last-Event-ID",
        "X-D1-Bookmark",
      ],
      allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
      exposeHeaders: [
        "Retry-After",
        "X-Request-Id",
        "traceparent",
        "WWW-Authenticate",
        "Idempotent-Replayed",
        "X-D1-Bookmark",
      ],
      maxAge: 600,
    }),
  );

  if (options.bootstrapAdmin !== false) {
    let bootstrap: Promise<unknown> | undefined;
    app.use(async function adminBootstrap(c, next) {
      // On the primary, outside this request's D1 session (docs/read-replicas.md).
      bootstrap ??= runOutsideRequestD1(() =>
        bootstrapAdmin(createContext(deps, { env: c.env, config: c.var.config })),
      ).catch((error) => {
        bootstrap = undefined; // try again on the next request
        logger.error("admin bootstrap failed", { error });
      });
      await bootstrap;
      await next();
    });
  }

  app.use(
    "/api/*",
    // The bulk import takes a CSV of up to 5 MB, limited and type-checked by its own route (features/user-import).
    except(
      (c) => c.req.method === "POST" && c.req.path === USER_IMPORT_PATH,
      jsonBodyLimit(),
      requireJsonContentType({ formPaths: [...LOGIN_DECISION_FORM_PATHS, ...VERIFY_EMAIL_FORM_PATHS] }),
    ),
  );
  app.use(
    "/api/*",
    refuseUndeclaredBodies(() => app.openAPIRegistry.definitions),
  );

  app.route("/", healthRoutes());
  app.route("/", metricsRoutes());
  app.route("/", registrationRoutes());
  app.route("/", loginRoutes());
  app.route("/", sessionRoutes());
  app.route("/", stepUpRoutes());
  app.route("/", loginApprovalRoutes());
  app.route("/", accountRoutes());
  app.route("/", passwordRoutes());
  app.route("/", mfaRoutes());
  app.route("/", deviceRoutes());
  app.route("/", adminUserRoutes());
  app.route("/", signingKeyRoutes());
  app.route("/", userImportRoutes());
  app.route("/", auditRoutes());
  app.route("/", abuseRoutes());
  app.route("/", analyticsRoutes());
  app.route("/", permissionRoutes());
  app.route("/", teamRoutes());
  app.route("/", invitationRoutes());
  app.route("/", roleRoutes());
  app.route("/", ownershipRoutes());
  app.route("/", virtuozzoRoutes());
  app.route("/", apiKeyRoutes());
  app.route("/", eventRoutes());
  app.route("/", planRoutes());
  app.route("/", teamBudgetRoutes());
  app.route("/", wellKnownRoutes());
  app.route("/", devMailboxRoutes());
  app.route("/", emailEventRoutes());
  // The pages people use (server-rendered, cookie mode) and their stylesheet.
  app.route("/", assetRoutes());
  app.route("/", loginPages());
  app.route("/", loginStepPages());
  app.route("/", mfaSetupPages());
  app.route("/", registrationPages());
  app.route("/", invitationPages());
  app.route("/", passwordPages());
  app.route("/", accountPages());
  app.route("/", stepUpPages());
  app.route("/", teamPages());
  app.route("/", invitationTeamPages());
  app.route("/", apiKeyPages());
  app.route("/", ownershipPages());
  app.route("/", rolePages());
  app.route("/", adminPages());
  app.route("/", auditPages());
  app.route("/", analyticsPages());
  app.route("/", abusePages());
  app.route("/", teamBudgetAdminPages());
  app.route("/", billingPages());
  app.route("/", virtuozzoPages());
  app.route("/", userImportPages());

  const documentConfig = (c: Context<AppEnv>) => ({
    openapi: "3.1.0",
    info: {
      title: "Gatehouse API",
      version: API_VERSION,
      description:
        "Identity and access for team-based SaaS. Errors are RFC 9457 problem+json with a stable `code`.",
    },
    servers: [{ url: c.var.config.PUBLIC_ORIGIN }],
  });
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) {
    app.openAPIRegistry.registerComponent("securitySchemes", name, scheme);
  }
  app.doc31("/api/v1/openapi.json", documentConfig);
  app.get("/docs", (c) => renderPage(c, <DocsPage document={app.getOpenAPI31Document(documentConfig(c))} />));

  app.notFound(() => {
    throw new AuthError("not_found");
  });

  app.onError((err, c) => {
    const error = toAuthError(err);
    if (error.status >= 500) {
      logger.error("request failed", { requestId: c.var.requestId, error: err, ...error.internal });
    } else if (Object.keys(error.internal).length > 0) {
      // A refused credential (401/403 with a reason) is a security event: always logged, whatever the sampling.
      const refusal = { requestId: c.var.requestId, code: error.code, ...error.internal };
      if (error.status === 401 || error.status === 403) logger.security("request refused", refusal);
      else logger.info("request refused", refusal);
    }
    const headers = new Headers(c.res?.headers);
    headers.set("Content-Type", "application/problem+json");
    headers.set("Cache-Control", "no-store");
    for (const [k, v] of Object.entries(error.headers)) headers.set(k, v);
    return new Response(JSON.stringify(problemBody(error, c.var.requestId)), {
      status: error.status,
      headers,
    });
  });

  return app;
}

export type App = ReturnType<typeof createApp>;

function toAuthError(err: unknown): AuthError {
  if (err instanceof AuthError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 413) return new AuthError("payload_too_large");
    if (err.status === 400 && /json/i.test(err.message)) return new AuthError("malformed_json");
    if (err.status === 404) return new AuthError("not_found");
    return new AuthError("bad_request", { status: err.status < 500 ? (err.status as 400) : 400 });
  }
  return new AuthError("internal_error", { internal: { error: err } });
}
