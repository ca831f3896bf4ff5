import { createRoute, z } from "@hono/zod-openapi";
import { signedIn } from "../../auth/guards";
import { createRouter, json, problem } from "../../http/router";
import { ListQuery, RoleSummary, TeamSummary, UserSummary } from "../../http/schemas";
import { listSessions, loginActivity, me, revokeOwnSession } from "./account";

const Me = z
  .object({
    user: UserSummary,
    team: TeamSummary.nullable(),
    role: RoleSummary.nullable(),
    permissions: z.array(z.string()),
    mfaEnabled: z.boolean(),
    platformRoles: z.array(z.string()),
  })
  .openapi("Me");

const SessionItem = z
  .object({
    id: z.string(),
    current: z.boolean(),
    device: z.string(),
    ip: z.string().nullable(),
    location: z.string().nullable(),
    createdAt: z.string(),
    lastSeenAt: z.string(),
    expiresAt: z.string(),
  })
  .openapi("SessionItem");

const LoginActivityItem = z
  .object({
    at: z.string(),
    outcome: z.string(),
    ip: z.string().nullable(),
    location: z.string().nullable(),
    device: z.string().nullable(),
    reason: z.string().nullable(),
    risk: z
      .object({ score: z.number().int().min(0).max(100), reasons: z.array(z.string()) })
      .nullable()
      .openapi({ description: "The attempt's risk score (0–100) and its reasons; null when not assessed" }),
  })
  .openapi("LoginActivityItem");

const unauthorized = problem("unauthorized");

const meRoute = createRoute({
  method: "get",
  path: "/api/v1/auth/me",
  tags: ["Sessions"],
  summary: "The signed-in user, team, role and permissions",
  ...signedIn(),
  responses: { 200: json(Me, "Me"), 401: unauthorized },
});

const sessionsRoute = createRoute({
  method: "get",
  path: "/api/v1/auth/sessions",
  tags: ["Sessions"],
  summary: "My live sessions",
  ...signedIn(),
  responses: {
    200: json(z.object({ items: z.array(SessionItem), nextCursor: z.string().nullable() }), "Sessions"),
    401: unauthorized,
  },
});

const deleteSessionRoute = createRoute({
  method: "delete",
  path: "/api/v1/auth/sessions/{id}",
  tags: ["Sessions"],
  summary: "End one of my sessions (its access token stops working at once)",
  ...signedIn(),
  request: { params: z.object({ id: z.string().max(64) }) },
  responses: {
    204: { description: "Ended" },
    401: unauthorized,
    403: problem("csrf_failed"),
    404: problem("not_found"),
  },
});

const activityRoute = createRoute({
  method: "get",
  path: "/api/v1/auth/login-activity",
  tags: ["Sessions"],
  summary: "My login attempts, newest first",
  ...signedIn(),
  request: { query: ListQuery },
  responses: {
    200: json(z.object({ items: z.array(LoginActivityItem), nextCursor: z.string().nullable() }), "Activity"),
    401: unauthorized,
  },
});

export function accountRoutes() {
  return createRouter()
    .openapi(meRoute, async (c) => c.json(await me(c.var.ctx, c.var.auth), 200))
    .openapi(sessionsRoute, async (c) => {
      c.header("Cache-Control", "no-store");
      return c.json({ items: await listSessions(c.var.ctx, c.var.auth), nextCursor: null }, 200);
    })
    .openapi(deleteSessionRoute, async (c) => {
      await revokeOwnSession(c.var.ctx, { auth: c.var.auth, sessionId: c.req.valid("param").id });
      return c.body(null, 204);
    })
    .openapi(activityRoute, async (c) => {
      const { cursor, limit } = c.req.valid("query");
      c.header("Cache-Control", "no-store");
      return c.json(await loginActivity(c.var.ctx, { auth: c.var.auth, limit, cursor }), 200);
    });
}
