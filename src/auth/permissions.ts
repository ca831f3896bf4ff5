/**
 * The permission catalogue (`resource:action`) and the default roles seeded in every team
 * (../shared/API.md "Teams, roles, invitations, API keys").
 */
export const PERMISSIONS = {
  "team:read": "See the team's name, slug and settings",
  "team:update": "Rename the team and change its settings",
  "team:delete": "Delete the team",
  "members:read": "List the team's members",
  "members:invite": "Invite people to the team",
  "members:update": "Change members' roles",
  "members:remove": "Remove members from the team",
  "roles:read": "List the team's roles",
  "roles:manage": "Create, edit and delete custom roles",
  "api_keys:read": "List the team's API keys",
  "api_keys:manage": "Create, rotate and revoke API keys",
  "audit:read": "Read the team's audit log",
  "events:read": "Subscribe to the team's events",
  "events:publish": "Publish events to the team's subscribers",
  "resources:read": "Read the team's resources",
  "resources:write": "Create and change the team's resources",
  "billing:read": "See the plan, limits and usage",
  "billing:manage": "Change the plan and spending limits",
  "usage:write": "Report usage",
  "virtuozzo:use": "Use the team's Virtuozzo session",
  "virtuozzo:manage": "See the team's Virtuozzo connection",
} as const;

export type Permission = keyof typeof PERMISSIONS;

export type BuiltInRole = "owner" | "manager" | "developer";

export const DEFAULT_ROLES: Record<BuiltInRole, { name: string; permissions: readonly string[] }> = {
  owner: { name: "Owner", permissions: ["*"] },
  manager: {
    name: "Manager",
    permissions: [
      "team:read",
      "team:update",
      "members:*",
      "roles:*",
      "api_keys:*",
      "audit:read",
      "events:read",
      "resources:*",
      "virtuozzo:use",
    ],
  },
  developer: {
    name: "Developer",
    permissions: ["resources:*", "events:read", "team:read", "members:read", "virtuozzo:use"],
  },
};
