import type { UserRow } from "../../db/users";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { commit } from "../../platform/unit-of-work";
import { prepareSecurityAlert } from "../account/security-alerts";
import { loginEvent } from "../login/store";
import { deviceApprovalLockedUntil, recordWrongDeviceCode } from "./store";

/**
 * The rule "wrong device codes count per user, across challenges" (../shared/API.md "Rate limits"; ASVS
 * V2.2.1). A challenge takes 5 wrong codes and is void, but a new login opens a fresh one: so every wrong code
 * also counts for the user, and DEVICE_CODE_LOCK_THRESHOLD of them within DEVICE_CODE_WINDOW_MS lock device
 * approval for the user for DEVICE_CODE_LOCK_MS — every device step answers `429 rate_limited` with
 * `Retry-After`, the right code included. The failure that starts the lock mails the user (once) and is in
 * their login activity. The count is one D1 upsert, so parallel guesses all count.
 */
export const DEVICE_CODE_LOCK_THRESHOLD = 10;
export const DEVICE_CODE_WINDOW_MS = 15 * 60_000;
export const DEVICE_CODE_LOCK_MS = 15 * 60_000;

function locked(ctx: RequestContext, until: number): AuthError {
  return new AuthError("rate_limited", {
    headers: { "Retry-After": String(Math.max(1, Math.ceil((until - ctx.now()) / 1000))) },
    internal: { reason: "device approval locked" },
  });
}

/** Throws 429 while the user's device approval is locked. */
export async function assertDeviceApprovalOpen(ctx: RequestContext, userId: string): Promise<void> {
  const until = await deviceApprovalLockedUntil(ctx.db, userId);
  if (until !== null && until > ctx.now()) throw locked(ctx, until);
}

/** Counts a refused device code; the one that starts the lock mails the user and answers 429 itself. */
export async function countWrongDeviceCode(
  ctx: RequestContext,
  user: Pick<UserRow, "id" | "email" | "name">,
): Promise<void> {
  const now = ctx.now();
  const after = await recordWrongDeviceCode(ctx.db, {
    userId: user.id,
    now,
    windowMs: DEVICE_CODE_WINDOW_MS,
    threshold: DEVICE_CODE_LOCK_THRESHOLD,
    lockMs: DEVICE_CODE_LOCK_MS,
  });
  if (!after || after.lockedUntil === null || after.lockedUntil <= now) return;
  if (after.failures === DEVICE_CODE_LOCK_THRESHOLD) {
    const minutes = Math.round(DEVICE_CODE_LOCK_MS / 60_000);
    const mail = await prepareSecurityAlert(ctx, {
      user,
      event: `${DEVICE_CODE_LOCK_THRESHOLD} wrong device-approval codes were entered for your account, so signing in on a new device is paused for ${minutes} minutes. If this wasn't you, someone may know your password: change it.`,
    });
    await commit(ctx, {
      writes: [loginEvent(ctx, { userId: user.id, outcome: "locked", reason: "device_codes_locked" })],
      audit: {
        action: "login.device_approval_locked",
        target: { type: "user", id: user.id },
        metadata: { failures: after.failures, minutes },
      },
      mails: [mail],
    });
  }
  throw locked(ctx, after.lockedUntil);
}
