import type { RequestContext } from "../../platform/context";
import { searchUsers, type UserItemRow, type UserSearch, type UserStatus } from "./store";

/** A user as the admin API lists them (../shared/API.md "Admin"). */
export interface AdminUserItem {
  id: string;
  email: string;
  name: string | null;
  status: UserStatus;
  emailVerified: boolean;
  mfaEnabled: boolean;
  platformRoles: string[];
  teams: { id: string; slug: string; role: string }[];
  createdAt: string;
  lastLoginAt: string | null;
}

/**
 * A user's status: `locked` while an admin lock (`disabled_at`) or a login lockout holds — what `unlock` clears —
 * else `unverified` until the address is confirmed, else `active`. The search filter uses the same definition.
 */
export function userStatus(
  row: Pick<UserItemRow, "disabledAt" | "lockedUntil" | "emailVerifiedAt">,
  now: number,
) {
  if (row.disabledAt !== null || (row.lockedUntil ?? 0) > now) return "locked" as const;
  return row.emailVerifiedAt === null ? ("unverified" as const) : ("active" as const);
}

export function userItem(row: UserItemRow, now: number): AdminUserItem {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    status: userStatus(row, now),
    emailVerified: row.emailVerifiedAt !== null,
    mfaEnabled: Boolean(row.mfa),
    platformRoles: row.roles ? row.roles.split(",").sort() : [],
    teams: JSON.parse(row.teams) as AdminUserItem["teams"],
    createdAt: new Date(row.createdAt).toISOString(),
    lastLoginAt: row.lastLoginAt === null ? null : new Date(row.lastLoginAt).toISOString(),
  };
}

/** The largest page the search answers; a larger `pageSize` is clamped (the contract). */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 25;

/** GET /admin/users: one page of the filtered, sorted users and the total (one D1 round trip). */
export async function findUsers(ctx: RequestContext, search: UserSearch) {
  const pageSize = Math.min(Math.max(1, search.pageSize), MAX_PAGE_SIZE);
  const now = ctx.now();
  const { rows, total } = await searchUsers(ctx.db, { ...search, pageSize }, now);
  return { items: rows.map((r) => userItem(r, now)), total, page: search.page, pageSize };
}
