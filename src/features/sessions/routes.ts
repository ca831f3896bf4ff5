import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { presentedAccessToken, requireAuth } from "../../auth/authenticate";
import { signedIn } from "../../auth/guards";
import type { AppEnv } from "../../http/app-env";
import { clearSessionCookies, readCookie, setSessionCookies } from "../../http/cookies";
import { presentedDevice } from "../../http/device";
import { createRouter, json, problem } from "../../http/router";
import { DeviceIdField, jsonBody, RoleSummary, TeamSummary, UserSummary } from "../../http/schemas";
import { AuthError } from "../../platform/errors";
import { endSessions } from "./end";
import { approveConcurrentLogin, denyConcurrentLogin, exchangePreAuth } from "./exchange";
import { refreshSession } from "./refresh";
import type { SessionTokens } from "./session-tokens";
import { switchTeam } from "./switch-team";

/** What a session answers with (session-exchange, refresh, team switch, concurrent approve, step-up). */
export const SessionResponse = z
  .object({
    accessToken: z.string(),
    tokenType: z.literal("Bearer"),
    expiresIn: z.number().int(),
    refreshToken: z.string(),
    user: UserSummary,
    team: TeamSummary.nullable(),
    role: RoleSummary.nullable(),
    permissions: z.array(z.string()),
    csrfToken: z.string(),
  })
  .openapi("Session");

const exchange = createRoute({
  method: "post",
  path: "/api/v1/auth/session-exchange",
  tags: ["Login"],
  summary: "Create the session for a team (last login step), or switch the live session's team",
  request: jsonBody(
    z.strictObject({
      preAuthToken: z.string().max(4096).optional(),
      teamId: z.string().max(64).nullable(),
      deviceId: DeviceIdField,
    }),
  ),
  responses: {
    200: json(SessionResponse, "Session tokens (also set as cookies)"),
    401: problem("unauthorized"),
    403: problem("step_required, forbidden (not a member of the team) or csrf_failed"),
    409: problem(
      "concurrent_session: another session of this user is live (single session); the problem carries a " +
        "`decisionToken` for /auth/concurrent/approve or /deny",
    ),
    429: problem("team_budget_exceeded: the team's `logins` budget is spent (`budget`, `Retry-After`)"),
  },
});

const DecisionBody = z.strictObject({ decisionToken: z.string().max(200), deviceId: DeviceIdField });

const concurrentApprove = createRoute({
  method: "post",
  path: "/api/v1/auth/concurrent/approve",
  tags: ["Login"],
  summary: "End my other live session and create this one (after 409 concurrent_session)",
  description:
    "From the device that got the 409; the decision token works once, for 5 minutes. The other session's " +
    "access token stops working at once and its refresh tokens are revoked.",
  request: jsonBody(DecisionBody),
  responses: {
    200: json(SessionResponse, "Session tokens (also set as cookies)"),
    401: problem("unauthorized (unknown, used or expired decision, or another device)"),
    409: problem("concurrent_session (yet another login took the slot meanwhile: decide again)"),
  },
});

const concurrentDeny = createRoute({
  method: "post",
  path: "/api/v1/auth/concurrent/deny",
  tags: ["Login"],
  summary: "Keep my other live session; this login creates nothing",
  request: jsonBody(DecisionBody),
  responses: {
    200: json(z.object({ status: z.literal("denied") }), "Nothing was created"),
    401: problem("unauthorized (unknown, used or expired decision, or another device)"),
  },
});

const refresh = createRoute({
  method: "post",
  path: "/api/v1/auth/refresh",
  tags: ["Sessions"],
  summary: "Rotate the refresh token and get a new access token",
  request: jsonBody(
    z.strictObject({ refreshToken: z.string().max(200).optional(), deviceId: DeviceIdField }),
    {
      required: false,
    },
  ),
  responses: {
    200: json(SessionResponse, "New token pair"),
    401: problem("unauthorized or token_reused (the whole session was revoked)"),
    409: problem("refresh_conflict (a concurrent refresh of the same token won)"),
  },
});

const logout = createRoute({
  method: "post",
  path: "/api/v1/auth/logout",
  tags: ["Sessions"],
  summary: "End this session; its access token stops working at once",
  ...signedIn(),
  request: jsonBody(z.strictObject({}), { required: false }),
  responses: {
    204: { description: "Logged out" },
    401: problem("unauthorized"),
    403: problem("csrf_failed"),
  },
});

function sessionBody(tokens: SessionTokens) {
  const { refreshMaxAge: _age, sessionId: _sid, ...body } = tokens;
  return body;
}

/** A new session's cookies (cookie mode): the API's answer and the pages' sign-in set the same ones. */
export function setSessionCookiesFor(c: Context, tokens: SessionTokens): void {
  setSessionCookies(c, {
    accessToken: tokens.accessToken,
    accessTtl: tokens.expiresIn,
    refreshToken: tokens.refreshToken,
    refreshMaxAge: tokens.refreshMaxAge,
    csrfToken: tokens.csrfToken,
  });
}

function sendSession(c: Context<AppEnv>, tokens: SessionTokens) {
  setSessionCookiesFor(c, tokens);
  c.header("Cache-Control", "no-store");
  c.header("Pragma", "no-cache");
  return c.json(sessionBody(tokens), 200);
}

export function sessionRoutes() {
  /** Team switching is session-exchange without a pre-auth token: then, and only then, it needs a live session. */
  const switchAuth = requireAuth();
  return createRouter()
    .openapi(exchange, async (c) => {
      const body = c.req.valid("json");
      if (body.preAuthToken === undefined) {
        // Team switch: needs a live session (and, with cookies, the CSRF token).
        if (!presentedAccessToken(c)) {
          throw new AuthError("unauthorized", {
            detail: "Sign in first, or send the preAuthToken of your login.",
          });
        }
        await switchAuth(c, async () => {});
        return sendSession(c, await switchTeam(c.var.ctx, { auth: c.var.auth, teamId: body.teamId }));
      }
      const device = await presentedDevice(c, body.deviceId);
      return sendSession(
        c,
        await exchangePreAuth(c.var.ctx, {
          deviceHash: device?.hash ?? null,
          preAuthToken: body.preAuthToken,
          teamId: body.teamId,
        }),
      );
    })
    .openapi(concurrentApprove, async (c) => {
      const body = c.req.valid("json");
      const device = await presentedDevice(c, body.deviceId);
      const tokens = await approveConcurrentLogin(c.var.ctx, {
        deviceHash: device?.hash ?? null,
        decisionToken: body.decisionToken,
      });
      return sendSession(c, tokens);
    })
    .openapi(concurrentDeny, async (c) => {
      const body = c.req.valid("json");
      const device = await presentedDevice(c, body.deviceId);
      await denyConcurrentLogin(c.var.ctx, {
        deviceHash: device?.hash ?? null,
        decisionToken: body.decisionToken,
      });
      c.header("Cache-Control", "no-store");
      return c.json({ status: "denied" as const }, 200);
    })
    .openapi(refresh, async (c) => {
      // The body is optional: browsers send nothing and the refresh cookie instead.
      const body: { refreshToken?: string; deviceId?: string } = c.req.valid("json") ?? {};
      const token = body.refreshToken ?? readCookie(c, "refresh");
      if (!token) throw new AuthError("unauthorized", { detail: "No refresh token." });
      const device = await presentedDevice(c, body.deviceId);
      const tokens = await refreshSession(c.var.ctx, {
        deviceHash: device?.hash ?? null,
        refreshToken: token,
      });
      return sendSession(c, tokens);
    })
    .openapi(logout, async (c) => {
      const a = c.var.auth;
      await endSessions(c.var.ctx, { userId: a.userId, sessionIds: [a.sid], action: "session.logout" });
      clearSessionCookies(c);
      return c.body(null, 204);
    });
}
