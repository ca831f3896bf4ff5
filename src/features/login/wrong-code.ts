import type { LoginOutcome } from "../../db/login-events";
import type { AuditAction } from "../../platform/audit";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { commit } from "../../platform/unit-of-work";
import { loginEvent } from "./store";

/**
 * What a login step records when its code is refused (`invalid_code`): the attempt in the login activity and
 * in the audit trail. Other errors record nothing. Always rethrows.
 */
export async function recordWrongCode(
  ctx: RequestContext,
  failure: { userId: string; outcome: LoginOutcome; action: AuditAction; error: unknown },
): Promise<never> {
  const { userId, error } = failure;
  if (error instanceof AuthError && error.code === "invalid_code") {
    await commit(ctx, {
      writes: [
        loginEvent(ctx, {
          userId,
          outcome: failure.outcome,
          reason: String(error.internal.reason ?? "wrong code"),
        }),
      ],
      audit: { action: failure.action, target: { type: "user", id: userId } },
    });
  }
  throw error;
}
