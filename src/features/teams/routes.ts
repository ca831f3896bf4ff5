import { createRoute, z } from "@hono/zod-openapi";
import { signedIn, teamRoute } from "../../auth/guards";
import { createRouter, json, problem } from "../../http/router";
import { humanName, jsonBody, ListQuery, RoleSummary, TEAM_PROBLEMS, TeamParams } from "../../http/schemas";
import { paginate } from "../../platform/pagination";
import {
  changeMemberRole,
  createTeam,
  deleteTeam,
  getTeam,
  listMembers,
  listMyTeams,
  removeMember,
  updateTeam,
} from "./teams";

const MemberParams = TeamParams.extend({ userId: z.string().min(1).max(64) });

const Team = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Team");
const MyTeam = z
  .object({ id: z.string(), slug: z.string(), name: z.string(), role: RoleSummary })
  .openapi("MyTeam");
export const Member = z
  .object({
    userId: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    role: RoleSummary,
    joinedAt: z.string(),
  })
  .openapi("Member");

const TeamName = humanName({ max: 100, empty: "Enter a team name." });
export const CreateTeam = z
  .strictObject({ name: TeamName, slug: z.string().max(64).optional().openapi({ example: "acme" }) })
  .openapi("CreateTeamRequest");
const UpdateTeam = z
  .strictObject({ name: TeamName.optional(), slug: z.string().max(64).optional() })
  .openapi("UpdateTeamRequest");
export const ChangeRole = z
  .strictObject({ roleId: z.string().min(1).max(64) })
  .openapi("ChangeMemberRoleRequest");

export function teamRoutes() {
  const listTeams = createRoute({
    method: "get",
    path: "/api/v1/teams",
    tags: ["Teams"],
    summary: "My teams, with my role in each",
    ...signedIn(),
    request: { query: ListQuery },
    responses: {
      200: json(z.object({ items: z.array(MyTeam), nextCursor: z.string().nullable() }), "Teams"),
      401: problem("unauthorized"),
    },
  });
  const create = createRoute({
    method: "post",
    path: "/api/v1/teams",
    tags: ["Teams"],
    summary: "Create a team (the creator becomes its Owner)",
    ...signedIn(),
    request: jsonBody(CreateTeam),
    responses: {
      201: json(Team, "Created"),
      401: problem("unauthorized"),
      403: problem("csrf_failed"),
      409: problem("slug_taken"),
      422: problem("validation_failed"),
    },
  });
  const read = createRoute({
    method: "get",
    path: "/api/v1/teams/{teamId}",
    tags: ["Teams"],
    summary: "Read a team (`team:read`)",
    ...teamRoute("team:read"),
    request: { params: TeamParams },
    responses: { 200: json(Team, "Team"), ...TEAM_PROBLEMS },
  });
  const update = createRoute({
    method: "patch",
    path: "/api/v1/teams/{teamId}",
    tags: ["Teams"],
    summary: "Rename a team or change its slug (`team:update`)",
    ...teamRoute("team:update"),
    request: { params: TeamParams, ...jsonBody(UpdateTeam) },
    responses: { 200: json(Team, "Updated"), 409: problem("slug_taken"), ...TEAM_PROBLEMS },
  });
  const remove = createRoute({
    method: "delete",
    path: "/api/v1/teams/{teamId}",
    tags: ["Teams"],
    summary: "Delete a team (the Owner only; revokes every session bound to it)",
    ...teamRoute("team:delete", { userOnly: true, fresh: true }),
    request: { params: TeamParams },
    responses: { 204: { description: "Deleted" }, ...TEAM_PROBLEMS },
  });
  const members = createRoute({
    method: "get",
    path: "/api/v1/teams/{teamId}/members",
    tags: ["Teams"],
    summary: "The team's members (`members:read`)",
    ...teamRoute("members:read"),
    request: { params: TeamParams, query: ListQuery },
    responses: {
      200: json(z.object({ items: z.array(Member), nextCursor: z.string().nullable() }), "Members"),
      ...TEAM_PROBLEMS,
    },
  });
  const changeRole = createRoute({
    method: "patch",
    path: "/api/v1/teams/{teamId}/members/{userId}",
    tags: ["Teams"],
    summary: "Change a member's role (`members:update`; never to or from Owner)",
    ...teamRoute("members:update"),
    request: { params: MemberParams, ...jsonBody(ChangeRole) },
    responses: {
      200: json(Member, "Updated"),
      409: problem("owner_transfer_required"),
      ...TEAM_PROBLEMS,
    },
  });
  const removeOne = createRoute({
    method: "delete",
    path: "/api/v1/teams/{teamId}/members/{userId}",
    tags: ["Teams"],
    summary: "Remove a member (`members:remove`; their sessions for the team end at once)",
    ...teamRoute("members:remove"),
    request: { params: MemberParams },
    responses: { 204: { description: "Removed" }, 409: problem("owner_transfer_required"), ...TEAM_PROBLEMS },
  });

  return createRouter()
    .openapi(listTeams, async (c) => {
      c.header("Cache-Control", "no-store");
      const { cursor, limit } = c.req.valid("query");
      return c.json(paginate(await listMyTeams(c.var.ctx, c.var.auth), cursor, limit), 200);
    })
    .openapi(create, async (c) =>
      c.json(await createTeam(c.var.ctx, { auth: c.var.auth, ...c.req.valid("json") }), 201),
    )
    .openapi(read, async (c) => c.json(await getTeam(c.var.ctx, c.req.valid("param").teamId), 200))
    .openapi(update, async (c) =>
      c.json(
        await updateTeam(c.var.ctx, {
          auth: c.var.auth,
          teamId: c.req.valid("param").teamId,
          patch: c.req.valid("json"),
        }),
        200,
      ),
    )
    .openapi(remove, async (c) => {
      await deleteTeam(c.var.ctx, { auth: c.var.auth, teamId: c.req.valid("param").teamId });
      return c.body(null, 204);
    })
    .openapi(members, async (c) => {
      c.header("Cache-Control", "no-store");
      const { cursor, limit } = c.req.valid("query");
      return c.json(paginate(await listMembers(c.var.ctx, c.req.valid("param").teamId), cursor, limit), 200);
    })
    .openapi(changeRole, async (c) => {
      const { teamId, userId } = c.req.valid("param");
      const member = await changeMemberRole(c.var.ctx, {
        auth: c.var.auth,
        teamId,
        userId,
        roleId: c.req.valid("json").roleId,
      });
      return c.json(member, 200);
    })
    .openapi(removeOne, async (c) => {
      const { teamId, userId } = c.req.valid("param");
      await removeMember(c.var.ctx, { auth: c.var.auth, teamId, userId });
      return c.body(null, 204);
    });
}
