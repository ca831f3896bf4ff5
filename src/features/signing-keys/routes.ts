import { createRoute, z } from "@hono/zod-openapi";
import { platformRoute, platformWriteRoute } from "../../auth/guards";
import { createRouter, json, problem } from "../../http/router";
import { jsonBody } from "../../http/schemas";
import { ACTION_PROBLEMS, ADMIN_PROBLEMS, ReasonBody } from "../admin/schemas";
import { promoteNext, revokeSigningKey } from "./service";
import { listSigningKeys, SigningKeyList, SigningKeyView, toView } from "./views";

const KidParams = z.object({
  kid: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: "kid", in: "path" } }),
});

const listRoute = createRoute({
  method: "get",
  path: "/api/v1/admin/signing-keys",
  tags: ["Admin"],
  summary: "Signing keys: kids, states and dates (never private material)",
  ...platformRoute("admin"),
  responses: { 200: json(SigningKeyList, "The keys, newest first"), ...ADMIN_PROBLEMS },
});

const rotateRoute = createRoute({
  method: "post",
  path: "/api/v1/admin/signing-keys/rotate",
  tags: ["Admin"],
  summary: "Promote the next signing key at once (current → previous) and create a new next key",
  ...platformWriteRoute("admin"),
  request: { ...jsonBody(ReasonBody) },
  responses: { 200: json(SigningKeyList, "The keys after the rotation"), ...ADMIN_PROBLEMS },
});

const revokeRoute = createRoute({
  method: "delete",
  path: "/api/v1/admin/signing-keys/{kid}",
  tags: ["Admin"],
  summary:
    "Revoke a signing key: every token it signed is refused at once (the current key is replaced first)",
  ...platformWriteRoute("admin"),
  request: { params: KidParams, ...jsonBody(ReasonBody) },
  responses: {
    200: json(SigningKeyView, "The revoked key"),
    409: problem("signing_key_in_use (the current key and no next key to promote)"),
    ...ACTION_PROBLEMS,
  },
});

export function signingKeyRoutes() {
  return createRouter()
    .openapi(listRoute, async (c) => c.json(await listSigningKeys(c.var.ctx), 200))
    .openapi(rotateRoute, async (c) => {
      await promoteNext(c.var.ctx, {
        actorId: c.var.auth.userId,
        reason: c.req.valid("json").reason,
        by: "admin",
      });
      return c.json(await listSigningKeys(c.var.ctx), 200);
    })
    .openapi(revokeRoute, async (c) => {
      const row = await revokeSigningKey(c.var.ctx, {
        kid: c.req.valid("param").kid,
        actorId: c.var.auth.userId,
        reason: c.req.valid("json").reason,
      });
      return c.json(toView(row), 200);
    });
}
