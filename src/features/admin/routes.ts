import { createRoute, z } from "@hono/zod-openapi";
import { requireAuth } from "../../auth/authenticate";
import { requirePlatformRole } from "../../auth/guards";
import { createRouter, problem, requestClient, services } from "../../http/router";
import type { Deps } from "../../platform/deps";
import { adminResetMfa } from "../mfa/mfa";

/** Actions that change an account take a reason (1–500 characters), stored in the audit entry. */
const Reason = z.strictObject({ reason: z.string().trim().min(1).max(500) });

const resetMfa = createRoute({
  method: "post",
  path: "/api/v1/admin/users/{id}/reset-2fa",
  tags: ["Admin"],
  summary: "Reset a user's two-factor authentication (platform admin)",
  request: {
    params: z.object({ id: z.string().max(64) }),
    body: { content: { "application/json": { schema: Reason } }, required: true },
  },
  responses: {
    204: { description: "Reset; the user enrols again at next sign-in" },
    401: problem("unauthorized"),
    403: problem("forbidden"),
    404: problem("not_found"),
    422: problem("validation_failed"),
  },
});

export function adminUserRoutes(deps: Deps) {
  const router = createRouter();
  router.use("/api/v1/admin/*", requireAuth(deps));
  router.use("/api/v1/admin/users/:id/reset-2fa", requirePlatformRole("admin"));
  return router.openapi(resetMfa, async (c) => {
    await adminResetMfa(
      services(c, deps),
      requestClient(c),
      c.var.auth.userId,
      c.req.valid("param").id,
      c.req.valid("json").reason,
    );
    return c.body(null, 204);
  });
}
