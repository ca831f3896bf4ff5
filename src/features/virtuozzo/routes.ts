import { createRoute, z } from "@hono/zod-openapi";
import { teamRoute } from "../../auth/guards";
import { createRouter, json, problem } from "../../http/router";
import { jsonBody, TEAM_PROBLEMS, TeamParams } from "../../http/schemas";
import {
  type ConnectInput,
  connectionStatus,
  connectVirtuozzo,
  disconnectVirtuozzo,
  refreshNow,
  SESSION_TTL,
} from "./connection";
import { reportInvalidKey, teamSessionKey } from "./session-keys";

const Status = z
  .object({
    connected: z.boolean(),
    groupType: z.string().nullable().openapi({ example: "billing" }),
    expiresAt: z.string().nullable(),
    lastRefreshAt: z.string().nullable(),
    apiUrl: z.string().nullable(),
    authKind: z.enum(["password", "token"]).nullable(),
    sessionTtlSeconds: z.number().int().nullable(),
    lastFailure: z.string().nullable().openapi({ description: "`unavailable` or `rejected`" }),
    lastFailureAt: z.string().nullable(),
  })
  .openapi("VirtuozzoConnection");

const SessionKey = z.object({ sessionKey: z.string(), expiresAt: z.string() }).openapi("VirtuozzoSessionKey");

/**
 * `{ apiUrl, login, password }` or `{ apiUrl, token }` (a personal access token: accounts with 2FA), optional
 * `sessionTtlSeconds`. One object with a refinement rather than a zod union: a union's failure is one opaque
 * issue at the root, this names the field at fault.
 */
export const Connect = z
  .strictObject({
    apiUrl: z.string().trim().min(1, { message: "Enter the API URL." }).max(300),
    login: z.string().trim().min(1).max(200).optional(),
    password: z.string().min(1).max(500).optional(),
    token: z.string().trim().min(8).max(500).optional(),
    sessionTtlSeconds: z.number().int().min(SESSION_TTL.min).max(SESSION_TTL.max).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.token !== undefined) {
      for (const field of ["login", "password"] as const) {
        if (v[field] !== undefined)
          ctx.addIssue({
            code: "custom",
            path: [field],
            message: "Send either a token or a login and password.",
          });
      }
    } else {
      for (const field of ["login", "password"] as const) {
        if (v[field] === undefined) ctx.addIssue({ code: "custom", path: [field], message: "Required." });
      }
    }
  })
  .openapi("VirtuozzoConnectRequest");

const Invalid = z.strictObject({ sessionKey: z.string().min(1).max(500) }).openapi("VirtuozzoInvalidKey");

const VZ_PROBLEMS = {
  ...TEAM_PROBLEMS,
  404: problem("not_found, or virtuozzo_not_connected"),
  409: problem(
    "virtuozzo_reauth_required (Virtuozzo rejected the stored credential: the Owner must reconnect)",
  ),
  502: problem("virtuozzo_unavailable (Virtuozzo unreachable, timed out or answered 5xx)"),
} as const;

const OWNER = { userOnly: true, userOnlyDetail: "Only the team owner can change the Virtuozzo connection." };
const path = "/api/v1/teams/{teamId}/virtuozzo";

export function virtuozzoRoutes() {
  const put = createRoute({
    method: "put",
    path,
    tags: ["Virtuozzo"],
    summary:
      "Connect the team's Virtuozzo account (the Owner only): signs in first, stores the credential and session key encrypted",
    ...teamRoute("virtuozzo:manage", OWNER),
    request: { params: TeamParams, ...jsonBody(Connect) },
    responses: { 200: json(Status, "Connected"), ...VZ_PROBLEMS },
  });
  const get = createRoute({
    method: "get",
    path,
    tags: ["Virtuozzo"],
    summary: "The connection's state, without secrets (the Owner, or `virtuozzo:manage`)",
    ...teamRoute("virtuozzo:manage"),
    request: { params: TeamParams },
    responses: { 200: json(Status, "State"), ...TEAM_PROBLEMS },
  });
  const remove = createRoute({
    method: "delete",
    path,
    tags: ["Virtuozzo"],
    summary: "Sign out at Virtuozzo and forget the credential (the Owner only)",
    ...teamRoute("virtuozzo:manage", OWNER),
    request: { params: TeamParams },
    responses: { 204: { description: "Disconnected" }, ...VZ_PROBLEMS },
  });
  const session = createRoute({
    method: "get",
    path: `${path}/session`,
    tags: ["Virtuozzo"],
    summary:
      "A valid session key (`virtuozzo:use`), refreshed lazily inside the safety window, one refresh per team at a time",
    ...teamRoute("virtuozzo:use"),
    request: { params: TeamParams },
    responses: { 200: json(SessionKey, "Session key (no-store)"), ...VZ_PROBLEMS },
  });
  const invalid = createRoute({
    method: "post",
    path: `${path}/session/invalid`,
    tags: ["Virtuozzo"],
    summary:
      "Report that Virtuozzo rejected the current key (`virtuozzo:use`): checked with checksign, refreshed once",
    ...teamRoute("virtuozzo:use"),
    request: { params: TeamParams, ...jsonBody(Invalid) },
    responses: { 200: json(SessionKey, "The current (or new) key"), ...VZ_PROBLEMS },
  });
  const refresh = createRoute({
    method: "post",
    path: `${path}/refresh`,
    tags: ["Virtuozzo"],
    summary: "Force a new session key now (the Owner only)",
    ...teamRoute("virtuozzo:manage", OWNER),
    request: { params: TeamParams },
    responses: { 200: json(Status, "Refreshed"), ...VZ_PROBLEMS },
  });

  return createRouter()
    .openapi(put, async (c) => {
      const body = c.req.valid("json");
      const input = { auth: c.var.auth, teamId: c.req.valid("param").teamId, ...body } as ConnectInput;
      return c.json(await connectVirtuozzo(c.var.ctx, input), 200);
    })
    .openapi(get, async (c) => c.json(await connectionStatus(c.var.ctx, c.req.valid("param").teamId), 200))
    .openapi(remove, async (c) => {
      await disconnectVirtuozzo(c.var.ctx, { auth: c.var.auth, teamId: c.req.valid("param").teamId });
      return c.body(null, 204);
    })
    .openapi(session, async (c) => {
      c.header("Cache-Control", "no-store");
      const key = await teamSessionKey(c.var.ctx, { auth: c.var.auth, teamId: c.req.valid("param").teamId });
      return c.json(key, 200);
    })
    .openapi(invalid, async (c) => {
      c.header("Cache-Control", "no-store");
      const { teamId } = c.req.valid("param");
      const { sessionKey } = c.req.valid("json");
      return c.json(await reportInvalidKey(c.var.ctx, { auth: c.var.auth, teamId, sessionKey }), 200);
    })
    .openapi(refresh, async (c) => {
      const { teamId } = c.req.valid("param");
      return c.json(await refreshNow(c.var.ctx, { auth: c.var.auth, teamId }), 200);
    });
}
