import { createRoute } from "@hono/zod-openapi";
import { type PlatformRole, platformRoute, platformWriteRoute } from "../../auth/guards";
import { createRouter, json, problem } from "../../http/router";
import { jsonBody } from "../../http/schemas";
import type { RequestContext } from "../../platform/context";
import {
  type AccountAction,
  lockUser,
  resendUserVerification,
  resetUserMfa,
  revokeUserSessions,
  unlockUser,
} from "./account-actions";
import { eraseUser } from "./erasure";
import { setPlatformRoles } from "./platform-roles";
import {
  ACTION_PROBLEMS,
  ADMIN_PROBLEMS,
  AdminUserDetail,
  AdminUserPage,
  OptionalReasonBody,
  PlatformRolesAnswer,
  ReasonBody,
  RolesBody,
  SearchQuery,
  timeBound,
  UserParams,
} from "./schemas";
import { userDetail } from "./user-detail";
import { findUsers } from "./users-search";

/**
 * Who may do what (../shared/API.md "Admin"): `admin` everything; `support` reads users, unlocks, resends
 * verification and revokes sessions; `billing_admin` reads users. A refused call is 403, an anonymous one 401.
 */
export const ADMIN_ACCESS = {
  readUsers: ["admin", "support", "billing_admin"],
  lock: ["admin"],
  unlock: ["admin", "support"],
  resetMfa: ["admin"],
  revokeSessions: ["admin", "support"],
  resendVerification: ["admin", "support"],
  roles: ["admin"],
  erase: ["admin"],
} as const satisfies Record<string, readonly PlatformRole[]>;

export type AdminCapability = keyof typeof ADMIN_ACCESS;

const searchRoute = createRoute({
  method: "get",
  path: "/api/v1/admin/users",
  tags: ["Admin"],
  summary: "Search users (page-based, with the total)",
  ...platformRoute(...ADMIN_ACCESS.readUsers),
  request: { query: SearchQuery },
  responses: { 200: json(AdminUserPage, "A page of users"), ...ADMIN_PROBLEMS },
});

const detailRoute = createRoute({
  method: "get",
  path: "/api/v1/admin/users/{id}",
  tags: ["Admin"],
  summary: "A user with sessions, trusted devices, the latest login activity and audit entries",
  ...platformRoute(...ADMIN_ACCESS.readUsers),
  request: { params: UserParams },
  responses: { 200: json(AdminUserDetail, "The user"), ...ACTION_PROBLEMS },
});

const rolesRoute = createRoute({
  method: "post",
  path: "/api/v1/admin/users/{id}/roles",
  tags: ["Admin"],
  summary: "Set a user's platform roles (the complete set; never one's own); their sessions end",
  ...platformWriteRoute(...ADMIN_ACCESS.roles),
  request: { params: UserParams, ...jsonBody(RolesBody) },
  responses: {
    200: json(PlatformRolesAnswer, "The new set"),
    409: problem("last_admin"),
    ...ACTION_PROBLEMS,
  },
});

const eraseRoute = createRoute({
  method: "delete",
  path: "/api/v1/admin/users/{id}",
  tags: ["Admin"],
  summary: "Erase a user: personal data removed, audit entries kept with the user pseudonymised",
  ...platformWriteRoute(...ADMIN_ACCESS.erase),
  request: { params: UserParams, ...jsonBody(ReasonBody) },
  responses: {
    204: { description: "Erased" },
    409: problem("last_admin, or owner_transfer_required (the Owner of a team with other members)"),
    ...ACTION_PROBLEMS,
  },
});

type ActionService = (ctx: RequestContext, input: AccountAction) => Promise<void>;

/** The `{ reason }` → 204 account actions, one route each. */
const ACTIONS: { path: string; capability: AdminCapability; summary: string; run: ActionService }[] = [
  {
    path: "lock",
    capability: "lock",
    summary: "Lock an account: sign-in refused, every session ended at once; the user is mailed",
    run: lockUser,
  },
  { path: "unlock", capability: "unlock", summary: "Unlock an account; the user is mailed", run: unlockUser },
  {
    path: "reset-2fa",
    capability: "resetMfa",
    summary: "Reset a user's two-factor authentication; the user is mailed and enrols again",
    run: resetUserMfa,
  },
  {
    path: "revoke-sessions",
    capability: "revokeSessions",
    summary: "End every session of a user at once; the user is mailed",
    run: revokeUserSessions,
  },
];

const resendRoute = createRoute({
  method: "post",
  path: "/api/v1/admin/users/{id}/resend-verification",
  tags: ["Admin"],
  summary: "Mail a fresh verification link to an unverified user",
  ...platformWriteRoute(...ADMIN_ACCESS.resendVerification),
  request: { params: UserParams, ...jsonBody(OptionalReasonBody, { required: false }) },
  responses: {
    202: { description: "Mailed" },
    409: problem("conflict (the address is already verified)"),
    ...ACTION_PROBLEMS,
  },
});

export function adminUserRoutes() {
  const router = createRouter()
    .openapi(searchRoute, async (c) => {
      const { createdFrom, createdTo, ...query } = c.req.valid("query");
      const search = {
        ...query,
        createdFrom: timeBound(createdFrom, false),
        createdTo: timeBound(createdTo, true),
      };
      return c.json(await findUsers(c.var.ctx, search), 200);
    })
    .openapi(detailRoute, async (c) => c.json(await userDetail(c.var.ctx, c.req.valid("param").id), 200))
    .openapi(rolesRoute, async (c) => {
      const { roles, reason } = c.req.valid("json");
      const result = await setPlatformRoles(c.var.ctx, {
        actorId: c.var.auth.userId,
        userId: c.req.valid("param").id,
        roles,
        reason,
      });
      return c.json(result, 200);
    })
    .openapi(eraseRoute, async (c) => {
      await eraseUser(c.var.ctx, {
        actorId: c.var.auth.userId,
        userId: c.req.valid("param").id,
        reason: c.req.valid("json").reason,
      });
      return c.body(null, 204);
    })
    .openapi(resendRoute, async (c) => {
      await resendUserVerification(c.var.ctx, {
        actorId: c.var.auth.userId,
        userId: c.req.valid("param").id,
        reason: c.req.valid("json")?.reason,
      });
      return c.body(null, 202);
    });
  for (const action of ACTIONS) {
    const route = createRoute({
      method: "post",
      path: `/api/v1/admin/users/{id}/${action.path}`,
      tags: ["Admin"],
      summary: action.summary,
      ...platformWriteRoute(...ADMIN_ACCESS[action.capability]),
      request: { params: UserParams, ...jsonBody(ReasonBody) },
      responses: {
        204: { description: "Done" },
        ...(action.capability === "lock" ? { 409: problem("last_admin") } : {}),
        ...ACTION_PROBLEMS,
      },
    });
    router.openapi(route, async (c) => {
      await action.run(c.var.ctx, {
        actorId: c.var.auth.userId,
        userId: c.req.valid("param").id,
        reason: c.req.valid("json").reason,
      });
      return c.body(null, 204);
    });
  }
  return router;
}
