import { createRoute, z } from "@hono/zod-openapi";
import { signedIn, teamRoute } from "../../auth/guards";
import { PASSWORD_MAX_INPUT } from "../../crypto/password-policy";
import { createRouter, json, problem } from "../../http/router";
import {
  HumanName,
  jsonBody,
  ListQuery,
  RoleSummary,
  TEAM_PROBLEMS,
  TeamParams,
  TeamSummary,
} from "../../http/schemas";
import { isValidEmail, normalizeEmail } from "../../platform/email-address";
import { paginate } from "../../platform/pagination";
import {
  acceptInvitation,
  inviteMember,
  listInvitations,
  registerWithInvitation,
  revokeInvitation,
} from "./invitations";

const Invitation = z
  .object({
    id: z.string(),
    email: z.string(),
    role: RoleSummary,
    invitedBy: z.string().nullable(),
    createdAt: z.string(),
    expiresAt: z.string(),
  })
  .openapi("Invitation");

export const InviteRequest = z
  .strictObject({
    email: z
      .string()
      .max(320)
      .refine((v) => isValidEmail(normalizeEmail(v)), { message: "Enter a valid email address." }),
    roleId: z.string().min(1).max(64),
  })
  .openapi("InviteRequest");

const Token = z.string().min(1).max(200);

const RegisterInviteRequest = z
  .strictObject({
    inviteToken: Token,
    password: z
      .string()
      .min(1, { message: "Enter a password." })
      .max(PASSWORD_MAX_INPUT, { message: "Use at most 128 characters." }),
    name: HumanName.optional(),
  })
  .openapi("RegisterInviteRequest");

export function invitationRoutes() {
  const list = createRoute({
    method: "get",
    path: "/api/v1/teams/{teamId}/invitations",
    tags: ["Invitations"],
    summary: "Pending invitations (`members:read`)",
    ...teamRoute("members:read"),
    request: { params: TeamParams, query: ListQuery },
    responses: {
      200: json(z.object({ items: z.array(Invitation), nextCursor: z.string().nullable() }), "Invitations"),
      ...TEAM_PROBLEMS,
    },
  });
  const create = createRoute({
    method: "post",
    path: "/api/v1/teams/{teamId}/invitations",
    tags: ["Invitations"],
    summary: "Invite by email with a role (`members:invite`; single use, 7 days)",
    description:
      "Mails a link to /invite?token=… on the public origin. Not to the Owner role (409 owner_transfer_required), not with a " +
      "role granting more than the inviter holds (403). Re-inviting an address replaces its pending invitation.",
    ...teamRoute("members:invite"),
    request: { params: TeamParams, ...jsonBody(InviteRequest) },
    responses: {
      201: json(Invitation, "Invited"),
      409: problem("owner_transfer_required or already_member"),
      429: problem(
        "rate_limited (per inviter) or team_budget_exceeded (`invitations` or `mails`, with `budget`)",
      ),
      ...TEAM_PROBLEMS,
    },
  });
  const revoke = createRoute({
    method: "delete",
    path: "/api/v1/teams/{teamId}/invitations/{id}",
    tags: ["Invitations"],
    summary: "Revoke a pending invitation (`members:invite`)",
    ...teamRoute("members:invite"),
    request: { params: TeamParams.extend({ id: z.string().min(1).max(64) }) },
    responses: { 204: { description: "Revoked" }, ...TEAM_PROBLEMS },
  });
  const accept = createRoute({
    method: "post",
    path: "/api/v1/invitations/accept",
    tags: ["Invitations"],
    summary: "Accept an invitation as the signed-in user it is addressed to",
    ...signedIn(),
    request: jsonBody(z.strictObject({ token: Token }).openapi("AcceptInvitationRequest")),
    responses: {
      200: json(z.object({ team: TeamSummary, role: RoleSummary }), "Joined"),
      400: problem("invalid_token (used, revoked, expired or unknown)"),
      401: problem("unauthorized"),
      403: problem("forbidden (addressed to another email) or csrf_failed"),
      409: problem("already_member"),
      422: problem("validation_failed"),
    },
  });
  const register = createRoute({
    method: "post",
    path: "/api/v1/auth/register/invite",
    tags: ["Registration"],
    summary: "Register with an invitation (Door B)",
    description:
      "The invitation proves the address: the user is created verified and joins the team with the invited role.",
    request: jsonBody(RegisterInviteRequest),
    responses: {
      201: json(
        z.object({ userId: z.string(), teamId: z.string() }).openapi("RegisterInviteResponse"),
        "Registered",
      ),
      400: problem("invalid_token (used, revoked, expired or unknown)"),
      409: problem("email_taken"),
      422: problem("validation_failed (including password policy)"),
      429: problem("rate_limited"),
    },
  });

  return createRouter()
    .openapi(list, async (c) => {
      c.header("Cache-Control", "no-store");
      const { cursor, limit } = c.req.valid("query");
      const items = await listInvitations(c.var.ctx, c.req.valid("param").teamId);
      return c.json(paginate(items, cursor, limit), 200);
    })
    .openapi(create, async (c) => {
      const invitation = await inviteMember(c.var.ctx, {
        auth: c.var.auth,
        teamId: c.req.valid("param").teamId,
        ...c.req.valid("json"),
      });
      return c.json(invitation, 201);
    })
    .openapi(revoke, async (c) => {
      const { teamId, id } = c.req.valid("param");
      await revokeInvitation(c.var.ctx, { auth: c.var.auth, teamId, id });
      return c.body(null, 204);
    })
    .openapi(accept, async (c) => {
      const result = await acceptInvitation(c.var.ctx, {
        auth: c.var.auth,
        token: c.req.valid("json").token,
      });
      return c.json(result, 200);
    })
    .openapi(register, async (c) => {
      const result = await registerWithInvitation(c.var.ctx, c.req.valid("json"));
      return c.json(result, 201);
    });
}
