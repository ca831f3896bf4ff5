import { createRoute, z } from "@hono/zod-openapi";
import { teamRoute } from "../../auth/guards";
import { createRouter, json, problem } from "../../http/router";
import { humanName, jsonBody, ListQuery, TEAM_PROBLEMS, TeamParams } from "../../http/schemas";
import { paginate } from "../../platform/pagination";
import { createRole, deleteRole, listRoles, updateRole } from "./roles";

const Role = z
  .object({
    id: z.string(),
    name: z.string(),
    permissions: z.array(z.string()),
    inherits: z.string().nullable(),
    builtIn: z.boolean(),
    effectivePermissions: z.array(z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Role");

const Grants = z
  .array(z.string().max(64))
  .max(64)
  .openapi({
    example: ["members:*", "team:read"],
    description: "Catalogue permissions; `*` and `resource:*` allowed",
  });
const RoleName = humanName({ max: 64, empty: "Enter a role name." });
const Inherits = z.string().min(1).max(64).nullable();

export const CreateRole = z
  .strictObject({ name: RoleName, permissions: Grants, inherits: Inherits.optional() })
  .openapi("CreateRoleRequest");
export const UpdateRole = z
  .strictObject({ name: RoleName.optional(), permissions: Grants.optional(), inherits: Inherits.optional() })
  .openapi("UpdateRoleRequest");

const RoleParams = TeamParams.extend({ roleId: z.string().min(1).max(64) });

export function roleRoutes() {
  const list = createRoute({
    method: "get",
    path: "/api/v1/teams/{teamId}/roles",
    tags: ["Roles"],
    summary: "The team's roles (`roles:read`)",
    ...teamRoute("roles:read"),
    request: { params: TeamParams, query: ListQuery },
    responses: {
      200: json(z.object({ items: z.array(Role), nextCursor: z.string().nullable() }), "Roles"),
      ...TEAM_PROBLEMS,
    },
  });
  const create = createRoute({
    method: "post",
    path: "/api/v1/teams/{teamId}/roles",
    tags: ["Roles"],
    summary: "Create a custom role (`roles:manage`; never granting more than you hold)",
    ...teamRoute("roles:manage"),
    request: { params: TeamParams, ...jsonBody(CreateRole) },
    responses: { 201: json(Role, "Created"), 409: problem("conflict (name taken)"), ...TEAM_PROBLEMS },
  });
  const update = createRoute({
    method: "patch",
    path: "/api/v1/teams/{teamId}/roles/{roleId}",
    tags: ["Roles"],
    summary: "Edit a custom role (`roles:manage`; built-in roles are read-only)",
    ...teamRoute("roles:manage"),
    request: { params: RoleParams, ...jsonBody(UpdateRole) },
    responses: { 200: json(Role, "Updated"), 409: problem("role_protected or conflict"), ...TEAM_PROBLEMS },
  });
  const remove = createRoute({
    method: "delete",
    path: "/api/v1/teams/{teamId}/roles/{roleId}",
    tags: ["Roles"],
    summary: "Delete a custom role nobody holds or inherits (`roles:manage`)",
    ...teamRoute("roles:manage"),
    request: { params: RoleParams },
    responses: {
      204: { description: "Deleted" },
      409: problem("role_protected or role_in_use"),
      ...TEAM_PROBLEMS,
    },
  });

  return createRouter()
    .openapi(list, async (c) => {
      c.header("Cache-Control", "no-store");
      const { cursor, limit } = c.req.valid("query");
      const items = await listRoles(c.var.ctx, { auth: c.var.auth, teamId: c.req.valid("param").teamId });
      return c.json(paginate(items, cursor, limit), 200);
    })
    .openapi(create, async (c) => {
      const role = await createRole(c.var.ctx, {
        auth: c.var.auth,
        teamId: c.req.valid("param").teamId,
        ...c.req.valid("json"),
      });
      return c.json(role, 201);
    })
    .openapi(update, async (c) => {
      const { teamId, roleId } = c.req.valid("param");
      const role = await updateRole(c.var.ctx, {
        auth: c.var.auth,
        teamId,
        roleId,
        patch: c.req.valid("json"),
      });
      return c.json(role, 200);
    })
    .openapi(remove, async (c) => {
      const { teamId, roleId } = c.req.valid("param");
      await deleteRole(c.var.ctx, { auth: c.var.auth, teamId, roleId });
      return c.body(null, 204);
    });
}
