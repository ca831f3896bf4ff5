import { createRoute, z } from "@hono/zod-openapi";
import { teamRoute } from "../../auth/guards";
import { createRouter, json, problem } from "../../http/router";
import { jsonBody, ListQuery, TEAM_PROBLEMS, TeamParams } from "../../http/schemas";
import { paginate } from "../../platform/pagination";
import { createApiKey, listApiKeys, revokeApiKey, rotateApiKey } from "./api-keys";

const CreatedKey = z
  .object({
    id: z.string(),
    key: z.string().openapi({ description: "Shown once: store it now", example: "gh_…" }),
    prefix: z.string(),
    name: z.string(),
    permissions: z.array(z.string()),
    expiresAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("CreatedApiKey");

const ApiKey = z
  .object({
    id: z.string(),
    prefix: z.string(),
    name: z.string(),
    permissions: z.array(z.string()),
    expiresAt: z.string().nullable(),
    createdAt: z.string(),
    createdBy: z.string(),
    lastUsedAt: z.string().nullable(),
    usage: z.array(z.object({ day: z.string(), count: z.number().int() })),
  })
  .openapi("ApiKey");

export const CreateKey = z
  .strictObject({
    name: z.string().trim().min(1, { message: "Enter a name." }).max(100),
    permissions: z.array(z.string().max(64)).min(1).max(64),
    expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
  })
  .openapi("CreateApiKeyRequest");

/**
 * Keys cannot make keys (issue 14): a key made by a key would outlive the key that made it, and rotating
 * another key would hand its secret to a key holder. Creating and rotating need a signed-in member.
 */
const KEYS_MAKE_NO_KEYS = {
  userOnly: true,
  /** Creating or rotating a key mints a credential: a sensitive action (RFC 9470 step-up). */
  fresh: true,
  userOnlyDetail: "API keys cannot create or rotate API keys. Sign in as a team member to do this.",
};

const KeyParams = TeamParams.extend({ id: z.string().min(1).max(64) });

export function apiKeyRoutes() {
  const list = createRoute({
    method: "get",
    path: "/api/v1/teams/{teamId}/api-keys",
    tags: ["API keys"],
    summary: "The team's API keys, with last use and daily request counts (`api_keys:read`)",
    ...teamRoute("api_keys:read"),
    request: { params: TeamParams, query: ListQuery },
    responses: {
      200: json(z.object({ items: z.array(ApiKey), nextCursor: z.string().nullable() }), "Keys"),
      ...TEAM_PROBLEMS,
    },
  });
  const KEY_BUDGET = problem(
    "team_budget_exceeded: the team's `api_keys` budget is spent (`budget`, `Retry-After`)",
  );
  const create = createRoute({
    method: "post",
    path: "/api/v1/teams/{teamId}/api-keys",
    tags: ["API keys"],
    summary:
      "Create an API key (`api_keys:manage`, signed in: API keys cannot create keys; its permissions a subset of yours; the key is shown once)",
    ...teamRoute("api_keys:manage", KEYS_MAKE_NO_KEYS),
    request: { params: TeamParams, ...jsonBody(CreateKey) },
    responses: { 201: json(CreatedKey, "Created"), 429: KEY_BUDGET, ...TEAM_PROBLEMS },
  });
  const revoke = createRoute({
    method: "delete",
    path: "/api/v1/teams/{teamId}/api-keys/{id}",
    tags: ["API keys"],
    summary: "Revoke an API key (`api_keys:manage`)",
    ...teamRoute("api_keys:manage"),
    request: { params: KeyParams },
    responses: { 204: { description: "Revoked" }, ...TEAM_PROBLEMS },
  });
  const rotate = createRoute({
    method: "post",
    path: "/api/v1/teams/{teamId}/api-keys/{id}/rotate",
    tags: ["API keys"],
    summary:
      "Replace an API key by a new one with the same name and scope (`api_keys:manage`, signed in: not with an API key)",
    ...teamRoute("api_keys:manage", KEYS_MAKE_NO_KEYS),
    request: { params: KeyParams },
    responses: {
      201: json(CreatedKey, "The new key; the old one is revoked"),
      429: KEY_BUDGET,
      ...TEAM_PROBLEMS,
    },
  });

  return createRouter()
    .openapi(list, async (c) => {
      c.header("Cache-Control", "no-store");
      const { cursor, limit } = c.req.valid("query");
      const items = await listApiKeys(c.var.ctx, c.req.valid("param").teamId);
      return c.json(paginate(items, cursor, limit), 200);
    })
    .openapi(create, async (c) => {
      c.header("Cache-Control", "no-store");
      const key = await createApiKey(c.var.ctx, {
        auth: c.var.auth,
        teamId: c.req.valid("param").teamId,
        ...c.req.valid("json"),
      });
      return c.json(key, 201);
    })
    .openapi(revoke, async (c) => {
      const { teamId, id } = c.req.valid("param");
      await revokeApiKey(c.var.ctx, { auth: c.var.auth, teamId, id });
      return c.body(null, 204);
    })
    .openapi(rotate, async (c) => {
      c.header("Cache-Control", "no-store");
      const { teamId, id } = c.req.valid("param");
      return c.json(await rotateApiKey(c.var.ctx, { auth: c.var.auth, teamId, id }), 201);
    });
}
