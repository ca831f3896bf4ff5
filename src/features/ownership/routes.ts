import { createRoute, z } from "@hono/zod-openapi";
import { fresh, signedIn } from "../../auth/guards";
import { createRouter, json, problem } from "../../http/router";
import { jsonBody, RoleSummary, TEAM_PROBLEMS, TeamParams } from "../../http/schemas";
import { acceptOwnership, cancelTransfer, declineOwnership, proposeTransfer } from "./ownership";

const Transfer = z
  .object({
    id: z.string(),
    teamId: z.string(),
    fromUserId: z.string(),
    toUserId: z.string(),
    status: z.enum(["pending", "accepted", "declined", "cancelled"]),
    createdAt: z.string(),
    expiresAt: z.string(),
  })
  .openapi("OwnershipTransfer");

const TokenBody = z
  .strictObject({ token: z.string().min(1).max(200) })
  .openapi("OwnershipTransferTokenRequest");

const DECISION_PROBLEMS = {
  400: problem("invalid_token (unknown, decided, cancelled or expired)"),
  401: problem("unauthorized"),
  403: problem("forbidden (addressed to another user) or csrf_failed"),
  422: problem("validation_failed"),
} as const;

export function ownershipRoutes() {
  const propose = createRoute({
    method: "post",
    path: "/api/v1/teams/{teamId}/ownership-transfer",
    tags: ["Teams"],
    summary: "Propose a member as the new Owner (the Owner only; mailed, 7 days)",
    ...signedIn(fresh()),
    request: {
      params: TeamParams,
      ...jsonBody(
        z.strictObject({ toUserId: z.string().min(1).max(64) }).openapi("OwnershipTransferRequest"),
      ),
    },
    responses: {
      201: json(Transfer, "Proposed"),
      429: problem("team_budget_exceeded: the team's `mails` budget is spent (`budget`, `Retry-After`)"),
      ...TEAM_PROBLEMS,
    },
  });
  const cancel = createRoute({
    method: "delete",
    path: "/api/v1/teams/{teamId}/ownership-transfer",
    tags: ["Teams"],
    summary: "Cancel the pending ownership transfer (the Owner only)",
    ...signedIn(),
    request: { params: TeamParams },
    responses: { 204: { description: "Cancelled" }, ...TEAM_PROBLEMS },
  });
  const accept = createRoute({
    method: "post",
    path: "/api/v1/ownership-transfers/accept",
    tags: ["Teams"],
    summary: "Accept ownership (signed in as the addressee): the roles swap, the old Owner becomes Manager",
    ...signedIn(),
    request: jsonBody(TokenBody),
    responses: {
      200: json(
        z.object({ team: z.object({ id: z.string(), name: z.string() }), role: RoleSummary }),
        "Owner now",
      ),
      409: problem("conflict (the members or roles changed meanwhile)"),
      ...DECISION_PROBLEMS,
    },
  });
  const decline = createRoute({
    method: "post",
    path: "/api/v1/ownership-transfers/decline",
    tags: ["Teams"],
    summary: "Decline ownership (signed in as the addressee)",
    ...signedIn(),
    request: jsonBody(TokenBody),
    responses: {
      200: json(z.object({ status: z.literal("declined") }), "Declined; nothing changed"),
      ...DECISION_PROBLEMS,
    },
  });

  return createRouter()
    .openapi(propose, async (c) => {
      const transfer = await proposeTransfer(c.var.ctx, {
        auth: c.var.auth,
        teamId: c.req.valid("param").teamId,
        toUserId: c.req.valid("json").toUserId,
      });
      return c.json(transfer, 201);
    })
    .openapi(cancel, async (c) => {
      await cancelTransfer(c.var.ctx, { auth: c.var.auth, teamId: c.req.valid("param").teamId });
      return c.body(null, 204);
    })
    .openapi(accept, async (c) =>
      c.json(await acceptOwnership(c.var.ctx, { auth: c.var.auth, token: c.req.valid("json").token }), 200),
    )
    .openapi(decline, async (c) => {
      await declineOwnership(c.var.ctx, { auth: c.var.auth, token: c.req.valid("json").token });
      return c.json({ status: "declined" as const }, 200);
    });
}
