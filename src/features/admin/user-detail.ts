import { loginEventsOf, riskOfLoginEvent } from "../../db/login-events";
import { deviceLabel, locationLabel } from "../../platform/client";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { trustedDevicesOf } from "../devices/trusted-devices";
import { liveSessionsOf } from "../sessions/store";
import { auditAboutUser, userItemById } from "./store";
import { userItem } from "./users-search";

/** How many login-activity and audit entries the detail shows (the newest). */
export const DETAIL_LIMIT = 50;

/**
 * GET /admin/users/:id: the search item plus live sessions, trusted devices, the latest login activity and the
 * latest audit entries about the user (as actor or target), in the audit viewer's item shape.
 */
export async function userDetail(ctx: RequestContext, userId: string) {
  const now = ctx.now();
  const [row, sessions, devices, activity, audit] = await Promise.all([
    userItemById(ctx.db, userId),
    liveSessionsOf(ctx.db, userId, now),
    trustedDevicesOf(ctx, userId),
    loginEventsOf(ctx.db, userId, DETAIL_LIMIT),
    auditAboutUser(ctx.db, userId, DETAIL_LIMIT),
  ]);
  if (!row) throw new AuthError("not_found");
  return {
    ...userItem(row, now),
    sessions: sessions.map((s) => ({
      id: s.id,
      teamId: s.teamId,
      device: deviceLabel(s.userAgent),
      ip: s.ip,
      location: locationLabel(s),
      createdAt: new Date(s.createdAt).toISOString(),
      lastSeenAt: new Date(s.lastSeenAt).toISOString(),
      expiresAt: new Date(s.expiresAt).toISOString(),
    })),
    trustedDevices: devices,
    loginActivity: activity.map((e) => ({
      at: new Date(e.at).toISOString(),
      outcome: e.outcome,
      ip: e.ip,
      location: locationLabel(e),
      device: e.device,
      reason: e.reason,
      risk: riskOfLoginEvent(e),
    })),
    audit: audit.map((a) => ({
      id: a.id,
      at: new Date(a.at).toISOString(),
      actor: a.actor_id === null ? null : { id: a.actor_id, email: a.actorEmail },
      action: a.action,
      target:
        a.target_type === null || a.target_id === null ? null : { type: a.target_type, id: a.target_id },
      teamId: a.team_id,
      ip: a.ip,
      userAgent: a.user_agent,
      reason: a.reason,
      metadata: parseMetadata(a.metadata),
    })),
  };
}

function parseMetadata(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
