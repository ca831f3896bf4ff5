import { createRoute, z } from "@hono/zod-openapi";
import { platformRoute } from "../../auth/guards";
import { createRouter, problem } from "../../http/router";
import { jsonBody } from "../../http/schemas";
import { adminResetMfa } from "../mfa/mfa";

/** Actions that change an account take a reason (1–500 characters), stored in the audit entry. */
const Reason = z.strictObject({ reason: z.string().trim().min(1).max(500) });

const resetMfa = createRoute({
  method: "post",
  path: "/api/v1/admin/users/{id}/reset-2fa",
  tags: ["Admin"],
  summary: "Reset a user's two-factor authentication (platform admin)",
  ...platformRoute("admin"),
  request: {
    params: z.object({ id: z.string().max(64) }),
    ...jsonBody(Reason),
  },
  responses: {
    204: { description: "Reset; the user enrols again at next sign-in" },
    401: problem("unauthorized"),
    403: problem("forbidden"),
    404: problem("not_found"),
    422: problem("validation_failed"),
  },
});

export function adminUserRoutes() {
  return createRouter().openapi(resetMfa, async (c) => {
    await adminResetMfa(c.var.ctx, {
      actorId: c.var.auth.userId,
      userId: c.req.valid("param").id,
      reason: c.req.valid("json").reason,
    });
    return c.body(null, 204);
  });
}
