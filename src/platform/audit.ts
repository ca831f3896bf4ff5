import { toHex } from "../crypto/encoding";
import {
  addSessionEndStatement,
  bumpCountersStatement,
  type RollupCounter,
  utcDay,
} from "../db/analytics-rollups";
import { insertAuditLog } from "../db/audit-logs";
import type { Db } from "../db/client";
import type { RequestMeta } from "./client";
import { logger } from "./logger";

/**
 * The catalogue of audited security events (`action`). Every security event is recorded with actor, target,
 * IP, user agent, time and JSON metadata; metadata never carries a secret (tokens, passwords, codes).
 */
export const AUDIT_ACTIONS = {
  "user.registered": "A user registered (Door A) and created a team",
  "user.registration_repeated": "An unverified address registered again; the verification mail was resent",
  "user.registration_expired": "An expired unverified registration was removed",
  "user.registration_replaced":
    "A new registration of an unverified address (Door A, Door B or the admin bootstrap) erased the pending one: its password, team and links",
  "user.email_verified": "A user confirmed their email address",
  "user.email_verification_failed": "An invalid, used or expired verification link was presented",
  "user.verification_resent": "A verification mail was resent on request",
  "user.verification_suppressed": "A verification resend was refused by the daily limit",
  "auth.captcha_failed": "A Turnstile check failed",
  "auth.rate_limited": "A request was refused by a rate limit",
  "security.credential_stuffing":
    "A network (IP, /24 or /48, ASN) failed logins on many distinct accounts: Turnstile and a per-network cap on its logins (metadata: category security, level, until)",
  "security.password_spraying":
    "One password (keyed hash) failed against many accounts from a network: Turnstile and a per-network cap on its logins",
  "security.signup_burst":
    "A network (/24 or /48, ASN) registered too many accounts: its sign-ups refused for a while",
  "admin.bootstrapped": "The bootstrap platform admin was created",
  "login.succeeded": "A password was verified for a login",
  "login.failed": "A login failed (unknown address, wrong password, disabled or locked account)",
  "login.locked": "An account was locked after consecutive failed logins",
  "login.unverified": "A login with the right password for an unverified address",
  "login.password_changed": "A forced password change was completed during login",
  "session.created": "A session was created (session-exchange)",
  "session.team_switched": "A session switched team",
  "session.refreshed_from_other_device": "A refresh token was presented from another device",
  "session.token_reused": "A rotated refresh token was reused; its session was revoked",
  "session.expired": "A session was refused at refresh: idle or absolute timeout",
  "session.logout": "A session ended by logout",
  "session.revoked": "A session was revoked by its user",
  "session.stepped_up": "The user confirmed it is them again in a live session (step-up, RFC 9470)",
  "password.reset_requested": "A password reset was requested",
  "password.reset": "A password was reset by mailed link; every session revoked",
  "password.changed": "A password was changed; other sessions revoked",
  "mfa.enabled": "Two-factor authentication was turned on",
  "mfa.disabled": "Two-factor authentication was turned off",
  "mfa.locked": "The second factor was locked after consecutive wrong codes",
  "mfa.failed": "A wrong second-factor code was entered at login",
  "mfa.recovery_code_used": "A recovery code was used",
  "mfa.recovery_codes_regenerated": "New recovery codes were generated",
  "mfa.admin_reset": "An administrator reset a user's second factor",
  "admin.user_locked": "A platform admin locked an account: sign-in refused, every session ended",
  "admin.user_unlocked":
    "A platform admin or support unlocked an account (admin lock and login lockout cleared)",
  "admin.sessions_revoked": "A platform admin or support ended every session of a user",
  "admin.verification_resent": "A platform admin or support resent a user's verification link",
  "admin.platform_roles_changed": "A platform admin set a user's platform roles (metadata: before/after)",
  "admin.user_erased":
    "A platform admin erased a user: personal data removed, audit entries about them pseudonymised",
  "login.mfa_passed": "The second factor was verified at login",
  "login.device_challenge": "A device-approval code was mailed for a login from an untrusted device",
  "login.device_approved": "A login's device was approved with the mailed code",
  "login.device_code_failed": "A wrong device-approval code was entered",
  "login.device_approval_locked":
    "Too many wrong device-approval codes across challenges: device approval locked for the user",
  "login.risk_detected": "A password-verified login looked suspicious; approve/deny links were mailed",
  "login.approved": "A suspicious login was approved by its owner (mailed link)",
  "login.denied": "A suspicious login was denied by its owner (mailed link)",
  "session.concurrent_refused": "A login met another live session (single session); a decision was opened",
  "session.concurrent_approved": "A login ended the user's other live session (single session)",
  "session.concurrent_denied": "A login gave way to the user's other live session (single session)",
  "session.replaced": "A session was ended because a newer login of its user replaced it",
  "session.binding_mismatch":
    "A session was used from a client its binding refuses (SESSION_BINDING); it was revoked and its user mailed (metadata: sessionId, reason, via)",
  "device.trusted": "A device was trusted",
  "device.revoked": "A trusted device was revoked",
  "email.dead_lettered": "A mail could not be delivered after every retry",
  "email.bounced":
    "A provider reported a hard bounce: the address is suppressed (metadata: provider, masked address, outbox id)",
  "email.complained":
    "A recipient marked a mail as spam: the address is suppressed (metadata: provider, masked address, outbox id)",
  "email.suppression_lifted": "A platform admin lifted an address's suppression: it is mailed again",
  "team.created": "A team was created; its creator became Owner",
  "team.updated": "A team's name or slug changed (metadata: before/after)",
  "team.deleted": "A team was deleted with its memberships, invitations and API keys; its sessions revoked",
  "member.joined": "A user joined a team through an invitation",
  "member.role_changed": "A member's role changed (metadata: before/after)",
  "member.removed": "A member was removed from a team; their sessions for it revoked",
  "role.created": "A custom role was created",
  "role.updated": "A custom role changed (metadata: before/after)",
  "role.deleted": "A custom role was deleted",
  "invitation.created": "Someone was invited to a team (a pending invitation of the address was replaced)",
  "invitation.revoked": "A pending invitation was revoked",
  "invitation.accepted": "An invitation was used (Door B registration or a signed-in accept)",
  "ownership.transfer_proposed": "The Owner proposed a member as the new Owner",
  "ownership.transfer_cancelled": "The Owner cancelled a pending ownership transfer",
  "ownership.transfer_declined": "The proposed Owner declined",
  "ownership.transferred": "Ownership moved; the previous Owner became Manager",
  "virtuozzo.connected": "The Owner connected or replaced the team's Virtuozzo account (signed in)",
  "virtuozzo.disconnected":
    "The Owner disconnected the team's Virtuozzo account (signed out, credential forgotten)",
  "virtuozzo.refreshed": "Gatehouse renewed the team's Virtuozzo session (expiry, invalid key or forced)",
  "virtuozzo.refresh_failed": "A Virtuozzo refresh failed (metadata: reason unavailable or rejected)",
  "virtuozzo.reauth_required": "Virtuozzo rejected the stored credential; the Owner was mailed",
  "virtuozzo.key_reported_invalid":
    "A member or key reported the team's Virtuozzo session key invalid (metadata: outcome of the check)",
  "api_key.created": "An API key was created",
  "api_key.rotated": "An API key was replaced by a new one with the same name and scope",
  "api_key.revoked": "An API key was revoked",
  "plan.changed": "A team's plan changed (metadata: before/after)",
  "team.budget_exceeded":
    "A team's abuse budget refused a request; the Owner was mailed (first refusal per budget window; metadata: budget, window, limit)",
  "limits.changed": "A team's monthly spending limit changed (metadata: before/after)",
  "usage.cap_reached":
    "Usage was refused by the team's hard spending limit (first refusal per month and cap)",
  "usage.warning_sent": "A spend warning (warning threshold or limit reached) was mailed for the month",
  "signing_key.rotated":
    "The next signing key became current (admin rotation or the daily cron; metadata: previous kid, by)",
  "signing_key.revoked": "A platform admin revoked a signing key: every token it signed is refused at once",
  "signing_key.retired":
    "The daily cron retired previous signing keys whose tokens have all expired (metadata: kids)",
  "user_import.started":
    "An administrator uploaded a CSV of users to invite (metadata: rows, valid rows, rows refused up front)",
  "user_import.finished": "A bulk import job finished (metadata: created, skipped and error counts)",
  "audit.exported": "An administrator exported audit entries (metadata: format and filters)",
  "audit.purged": "The daily retention purge deleted old audit entries and login activity (metadata: counts)",
} as const;

export type AuditAction = keyof typeof AUDIT_ACTIONS;

export interface AuditEvent {
  action: AuditAction;
  actorId?: string | null;
  target?: {
    type:
      | "user"
      | "team"
      | "email"
      | "ip"
      | "role"
      | "invitation"
      | "api_key"
      | "ownership_transfer"
      | "signing_key"
      | "user_import"
      /** An entry of the email suppression list (features/email-events). */
      | "email_suppression"
      /** An abuse-signal network: `ip:…`, `net:<prefix>` or `asn:<number>` (features/abuse). */
      | "network";
    id: string;
  } | null;
  teamId?: string | null;
  reason?: string | null;
  metadata?: Record<string, unknown>;
}

export interface AuditDeps {
  db: Db;
  now: () => number;
  random: (n: number) => Uint8Array;
  /** Where the audited request came from. */
  client: RequestMeta;
}

/**
 * The insert statement of an audit entry. Services do not call this: they hand their events to the unit of work
 * (`commit(ctx, { writes, audit })`), which writes them in the same D1 batch as the change they record.
 */
export function auditStatement(ctx: AuditDeps, event: AuditEvent) {
  return insertAuditLog(ctx.db, {
    id: toHex(ctx.random(16)),
    at: ctx.now(),
    actorId: event.actorId ?? null,
    action: event.action,
    targetType: event.target?.type ?? null,
    targetId: event.target?.id ?? null,
    teamId: event.teamId ?? null,
    ip: ctx.client.ip,
    userAgent: ctx.client.userAgent?.slice(0, 512) ?? null,
    reason: event.reason ?? null,
    metadata: JSON.stringify(event.metadata ?? {}),
  });
}

/**
 * Sign-in analytics (features/analytics, docs/analytics.md): the daily rollup's counters each audited action
 * bumps. The attempt that starts a lockout is audited as `login.locked` alone, so it is a failure too.
 */
export const ROLLUP_COUNTERS: Partial<Record<AuditAction, readonly RollupCounter[]>> = {
  "login.succeeded": ["loginSuccesses"],
  "login.failed": ["loginFailures"],
  "login.unverified": ["loginFailures"],
  "login.locked": ["loginFailures", "lockouts"],
  "mfa.locked": ["lockouts"],
  "login.device_approval_locked": ["lockouts"],
  "login.risk_detected": ["suspiciousLogins"],
  "login.device_approved": ["deviceApprovals"],
  "password.reset": ["passwordResets"],
};

/** Actions that end one session named by `metadata.sessionId`: its duration feeds `avgSessionSeconds`. */
export const SESSION_END_ACTIONS: ReadonlySet<AuditAction> = new Set<AuditAction>([
  "session.logout",
  "session.revoked",
  "session.expired",
  "session.replaced",
  "session.token_reused",
  "session.binding_mismatch",
]);

/**
 * The rollup UPSERTs of an audit entry (none for most actions), written by the unit of work in the entry's own
 * batch: the analytics move exactly when the audited change commits.
 */
export function rollupStatements(ctx: Pick<AuditDeps, "db" | "now">, event: AuditEvent) {
  const now = ctx.now();
  const day = utcDay(now);
  const counters = ROLLUP_COUNTERS[event.action];
  const sessionId = event.metadata?.sessionId;
  return [
    ...(counters ? [bumpCountersStatement(ctx.db, day, counters)] : []),
    ...(SESSION_END_ACTIONS.has(event.action) && typeof sessionId === "string"
      ? [
          addSessionEndStatement(ctx.db, {
            day,
            sessionId,
            endedAt: now,
            untilLastUse: event.action === "session.expired",
          }),
        ]
      : []),
  ];
}

/**
 * Writes a Workers Analytics Engine data point per counted event when the optional `ANALYTICS` binding exists
 * (production dashboards; docs/analytics.md). Fire and forget: the runtime buffers the writes.
 */
export function writeAnalyticsPoints(
  dataset: AnalyticsEngineDataset | undefined,
  events: readonly AuditEvent[],
): void {
  if (!dataset) return;
  for (const event of events) {
    const counters = ROLLUP_COUNTERS[event.action];
    if (!counters && !SESSION_END_ACTIONS.has(event.action)) continue;
    try {
      dataset.writeDataPoint({
        indexes: [event.action],
        blobs: [event.action, ...(counters ?? ["sessionEnds"])],
        doubles: [1],
      });
    } catch (error) {
      // The D1 rollup is the record; a dashboard point lost is logged, never the request's failure.
      logger.warn("analytics engine write failed", { action: event.action, error });
    }
  }
}
