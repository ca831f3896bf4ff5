import type { RequestContext } from "../../platform/context";
import { commit } from "../../platform/unit-of-work";
import { recordMfaFailure, type UserMfaRow } from "./store";

/**
 * The rule "five wrong second-factor codes lock the second factor" (ASVS V2.2.1): MFA_LOCK_THRESHOLD wrong
 * codes in a row (TOTP or recovery codes, at login or to confirm a change) lock the user's second factor for
 * MFA_LOCK_MS — during which even the right code answers like a wrong one — and from then on Turnstile is
 * required with every code until one succeeds. The count is one conditional write, so parallel guesses all count.
 */
export const MFA_LOCK_THRESHOLD = 5;
export const MFA_LOCK_MS = 5 * 60_000;

export function secondFactorLocked(mfa: Pick<UserMfaRow, "lockedUntil">, now: number): boolean {
  return mfa.lockedUntil !== null && mfa.lockedUntil > now;
}

/** Counts a wrong code; the one that reaches the threshold locks the factor and is audited `mfa.locked`. */
export async function countWrongCode(ctx: RequestContext, userId: string): Promise<void> {
  const after = await recordMfaFailure(ctx.db, {
    userId,
    threshold: MFA_LOCK_THRESHOLD,
    lockUntil: ctx.now() + MFA_LOCK_MS,
  });
  if (after && after.failedCount === MFA_LOCK_THRESHOLD) {
    await commit(ctx, { audit: { action: "mfa.locked", target: { type: "user", id: userId } } });
  }
}
