import { createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { presentedAccessToken } from "../../auth/authenticate";
import { teamRoute } from "../../auth/guards";
import type { AppEnv } from "../../http/app-env";
import { createRouter, json, problem } from "../../http/router";
import { jsonBody, TEAM_PROBLEMS, TeamParams } from "../../http/schemas";
import { AuthError } from "../../platform/errors";
import { BACKEND_EVENT_TYPE, MAX_EVENT_TYPE_LENGTH, publishFromBackend } from "./backend-publish";
import { openStream } from "./stream";
import { issueTicket, redeemTicket } from "./tickets";

const EVENT_ID = /^\d{1,15}$/;

const StreamQuery = z.object({
  lastEventId: z
    .string()
    .regex(EVENT_ID, { message: "Use the id of an event you received." })
    .optional()
    .openapi({ description: "For clients that cannot set the `Last-Event-ID` header (the header wins)" }),
  ticket: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: "A single-use ticket from POST /api/v1/events/ticket instead of a token" }),
});

const Ticket = z.object({ ticket: z.string(), expiresIn: z.literal(60) }).openapi("EventTicket");

export const PublishEvent = z
  .strictObject({
    type: z
      .string()
      .max(MAX_EVENT_TYPE_LENGTH)
      .regex(BACKEND_EVENT_TYPE, { message: "Use a short dotted lower-case name, e.g. deploy.finished." }),
    data: z.record(z.string(), z.unknown()).default({}),
  })
  .openapi("PublishEventRequest");

const STREAM_GUARD = teamRoute("events:read");

/**
 * The stream's authentication: a `?ticket=` (single use) stands for the token that asked for it; otherwise the
 * usual team-route guard — bearer access token, the access cookie (GET needs no CSRF token), or a team API key
 * holding events:read. Either way the permission check of teamRoute runs on the principal.
 */
function ticketOrToken(): MiddlewareHandler<AppEnv> {
  const [authenticate, permit] = STREAM_GUARD.middleware as [
    MiddlewareHandler<AppEnv>,
    MiddlewareHandler<AppEnv>,
  ];
  return async function eventStreamAuth(c, next) {
    const ticket = c.req.query("ticket");
    if (ticket === undefined) return authenticate(c, () => permit(c, next) as Promise<void>);
    const principal = await redeemTicket(c.var.ctx, ticket);
    if (!principal) {
      throw new AuthError("unauthorized", {
        headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' },
        internal: { reason: "invalid, used or expired event ticket" },
      });
    }
    c.set("auth", principal);
    return permit(c, next);
  };
}

export function eventRoutes() {
  const stream = createRoute({
    method: "get",
    path: "/api/v1/events",
    tags: ["Events"],
    summary: "The token's team's event stream (SSE, `events:read`)",
    description:
      "`text/event-stream`. First a `retry:` hint and a `ready` event whose `id:` is the current position; then " +
      "each event as `id:` (increasing), `event:` (its type), `data:` JSON `{ type, data, time, source }` " +
      "(`source` `gatehouse` or `team`). `Last-Event-ID` (or `?lastEventId=`) replays the buffer (at least the " +
      "last 1,000 events and 24 h); older or unknown → `event: reset` (refetch state, then live). A heartbeat " +
      "comment every 25 s. The stream ends with `event: end` `{ reason }` (`expired`, `revoked`, " +
      "`slow_consumer`, `server_restart`): reconnect with a fresh token. Browsers use the cookies; other " +
      "clients a bearer token, a team API key, or `?ticket=`.",
    middleware: [ticketOrToken()],
    security: STREAM_GUARD.security,
    request: { query: StreamQuery },
    responses: {
      200: {
        description: "The event stream",
        content: { "text/event-stream": { schema: z.string() } },
      },
      401: problem("unauthorized (no or bad token, or the ticket is unknown, used or expired)"),
      403: problem("forbidden (no events:read, or a token outside any team)"),
      422: problem("validation_failed (Last-Event-ID)"),
    },
  });
  const ticket = createRoute({
    method: "post",
    path: "/api/v1/events/ticket",
    tags: ["Events"],
    summary: "A single-use 60-second ticket for `GET /api/v1/events?ticket=` (`events:read`, signed in)",
    ...teamRoute("events:read", {
      userOnly: true,
      userOnlyDetail:
        "API keys subscribe with their Authorization header; tickets are for signed-in members.",
    }),
    responses: { 201: json(Ticket, "The ticket"), ...TEAM_PROBLEMS },
  });
  const publish = createRoute({
    method: "post",
    path: "/api/v1/teams/{teamId}/events",
    tags: ["Events"],
    summary:
      "Publish an event to the team's subscribers (`events:publish`, typically the team backend's API key)",
    description:
      "`type`: a short dotted name outside Gatehouse's namespaces (reserved → 422); `data`: a JSON object of " +
      "at most 16 KiB (→ 413). Answers the event's id.",
    ...teamRoute("events:publish"),
    request: { params: TeamParams, ...jsonBody(PublishEvent) },
    responses: {
      202: json(z.object({ id: z.string() }), "Accepted: stored and sent to the team's subscribers"),
      413: problem("payload_too_large"),
      ...TEAM_PROBLEMS,
    },
  });

  return createRouter()
    .openapi(stream, async (c) => {
      const header = c.req.header("last-event-id");
      const raw = header !== undefined && header !== "" ? header.trim() : c.req.valid("query").lastEventId;
      if (raw !== undefined && !EVENT_ID.test(raw)) {
        throw AuthError.validation([
          { path: "Last-Event-ID", message: "Use the id of an event you received." },
        ]);
      }
      // An API key's stream re-checks the key at each heartbeat (stream.ts): it needs the key itself.
      const apiKey = c.var.auth.via === "api_key" ? presentedAccessToken(c)?.token : undefined;
      return openStream(c.var.ctx, {
        principal: c.var.auth,
        lastEventId: raw === undefined ? null : Number(raw),
        ...(apiKey ? { apiKey } : {}),
      });
    })
    .openapi(ticket, async (c) => {
      c.header("Cache-Control", "no-store");
      const auth = c.var.auth;
      if (!auth.team) throw new AuthError("forbidden");
      return c.json(
        (await issueTicket(c.var.ctx, { ...auth, team: auth.team })) as { ticket: string; expiresIn: 60 },
        201,
      );
    })
    .openapi(publish, async (c) => {
      const { teamId } = c.req.valid("param");
      const { type, data } = c.req.valid("json");
      return c.json(await publishFromBackend(c.var.ctx, { auth: c.var.auth, teamId, type, data }), 202);
    });
}
