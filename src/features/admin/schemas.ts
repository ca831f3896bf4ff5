import { z } from "@hono/zod-openapi";
import { problem } from "../../http/router";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./users-search";

/** The admin API's request and response schemas (../shared/API.md "Admin"). */

export const PLATFORM_ROLES = ["admin", "support", "billing_admin"] as const;

/** Actions that change an account take a reason (1–500 characters), stored in the audit entry. */
export const ReasonBody = z
  .strictObject({ reason: z.string().trim().min(1).max(500) })
  .openapi("AdminReasonRequest");

export const OptionalReasonBody = z
  .strictObject({ reason: z.string().trim().min(1).max(500).optional() })
  .openapi("AdminOptionalReasonRequest");

export const RolesBody = z
  .strictObject({
    roles: z.array(z.enum(PLATFORM_ROLES)).max(PLATFORM_ROLES.length * 2),
    reason: z.string().trim().min(1).max(500),
  })
  .openapi("AdminRolesRequest");

export const PlatformRolesAnswer = z
  .object({ platformRoles: z.array(z.enum(PLATFORM_ROLES)) })
  .openapi("AdminPlatformRoles");

export const UserParams = z.object({ id: z.string().min(1).max(64) });

/** An empty query parameter (`?q=&status=` from a form) means "not given". */
const blank = (v: unknown) => (v === "" ? undefined : v);

/** A date (`YYYY-MM-DD`, UTC; `createdTo` then means the end of that day) or an ISO 8601 date-time. */
const dateOrTime = z.preprocess(
  blank,
  z
    .union([z.iso.date(), z.iso.datetime({ offset: true })])
    .optional()
    .openapi({ example: "2026-01-31" }),
);

export const SearchQuery = z.object({
  q: z.preprocess(blank, z.string().trim().min(1).max(200).optional()),
  status: z.preprocess(blank, z.enum(["active", "locked", "unverified"]).optional()),
  platformRole: z.preprocess(blank, z.enum(PLATFORM_ROLES).optional()),
  teamId: z.preprocess(blank, z.string().max(64).optional()),
  createdFrom: dateOrTime,
  createdTo: dateOrTime,
  sort: z.preprocess(blank, z.enum(["createdAt", "email", "name", "lastLoginAt"]).default("createdAt")),
  order: z.preprocess(blank, z.enum(["asc", "desc"]).default("desc")),
  page: z.preprocess(blank, z.coerce.number().int().min(1).max(1_000_000).default(1)),
  pageSize: z.preprocess(
    blank,
    z.coerce
      .number()
      .int()
      .min(1)
      .default(DEFAULT_PAGE_SIZE)
      .transform((n) => Math.min(n, MAX_PAGE_SIZE)),
  ),
});

/** `createdFrom`/`createdTo` as epoch ms: a bare date is the start (from) or the end (to) of that UTC day. */
export function timeBound(value: string | undefined, end: boolean): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const start = Date.parse(`${value}T00:00:00Z`);
    return end ? start + 86_400_000 - 1 : start;
  }
  return Date.parse(value);
}

export const AdminUser = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    status: z.enum(["active", "locked", "unverified"]),
    emailVerified: z.boolean(),
    mfaEnabled: z.boolean(),
    platformRoles: z.array(z.string()),
    teams: z.array(z.object({ id: z.string(), slug: z.string(), role: z.string() })),
    createdAt: z.string(),
    lastLoginAt: z.string().nullable(),
  })
  .openapi("AdminUser");

export const AdminUserPage = z
  .object({
    items: z.array(AdminUser),
    total: z.number().int(),
    page: z.number().int(),
    pageSize: z.number().int(),
  })
  .openapi("AdminUserPage");

export const AdminUserDetail = AdminUser.extend({
  sessions: z.array(
    z.object({
      id: z.string(),
      teamId: z.string().nullable(),
      device: z.string(),
      ip: z.string().nullable(),
      location: z.string().nullable(),
      createdAt: z.string(),
      lastSeenAt: z.string(),
      expiresAt: z.string(),
    }),
  ),
  trustedDevices: z.array(
    z.object({ id: z.string(), name: z.string(), createdAt: z.string(), lastUsedAt: z.string() }),
  ),
  loginActivity: z.array(
    z.object({
      at: z.string(),
      outcome: z.string(),
      ip: z.string().nullable(),
      location: z.string().nullable(),
      device: z.string().nullable(),
      reason: z.string().nullable(),
      /** The attempt's risk score (0–100) and reasons (features/login/risk/risk.ts); null when not assessed. */
      risk: z.object({ score: z.number().int(), reasons: z.array(z.string()) }).nullable(),
    }),
  ),
  audit: z.array(
    z.object({
      id: z.string(),
      at: z.string(),
      actor: z.object({ id: z.string(), email: z.string().nullable() }).nullable(),
      action: z.string(),
      target: z.object({ type: z.string(), id: z.string() }).nullable(),
      teamId: z.string().nullable(),
      ip: z.string().nullable(),
      userAgent: z.string().nullable(),
      reason: z.string().nullable(),
      metadata: z.record(z.string(), z.unknown()),
    }),
  ),
}).openapi("AdminUserDetail");

/** Responses every admin route can give. */
export const ADMIN_PROBLEMS = {
  401: problem("unauthorized"),
  403: problem("forbidden (the platform role may not do this, or the action is on oneself) or csrf_failed"),
  422: problem("validation_failed"),
} as const;

export const ACTION_PROBLEMS = { ...ADMIN_PROBLEMS, 404: problem("not_found") } as const;
